/// A plugin file that loaded, with what it provides.
public struct LoadedPlugin: Sendable, Codable, Equatable {
    /// The file in the plugins directory.
    public let file: String
    /// The plugin's declared name.
    public let name: String
    /// The plugin's declared version.
    public let version: String
    /// The TaskKit version it was built with.
    public let sdkVersion: String
    /// SHA-256 of the file's bytes; also the name of its private copy.
    public let contentHash: String
    /// Its task types.
    public let types: [TaskTypeInfo]
}

/// A plugin file that did not load, and why.
public struct RejectedPlugin: Sendable, Codable, Equatable {
    /// The file in the plugins directory.
    public let file: String
    /// A stable code (see `PluginRejection.code`).
    public let code: String
    /// What went wrong and what to do.
    public let message: String

    init(file: String, rejection: PluginRejection) {
        self.file = file
        code = rejection.code
        message = rejection.description
    }
}

/// The outcome of scanning a plugins directory.
public struct PluginScanReport: Sendable, Codable, Equatable {
    /// The directory scanned.
    public let directory: String
    /// A problem with the directory itself (missing, insecure), in which case nothing was loaded.
    public let directoryProblem: String?
    /// Plugins in use, in file order (including ones loaded by earlier scans and unchanged since).
    public let loaded: [LoadedPlugin]
    /// Files that were refused, in file order.
    public let rejected: [RejectedPlugin]
    /// Files loaded before that are gone now; their types refuse new tasks.
    public let removed: [String]

    /// True when every `.so` file loaded.
    public var isClean: Bool { directoryProblem == nil && rejected.isEmpty }
}
