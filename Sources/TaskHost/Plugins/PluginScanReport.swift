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
    /// Things that loaded but look like a mistake (two files declaring one plugin name and version).
    public let warnings: [String]

    init(directory: String, directoryProblem: String?, loaded: [LoadedPlugin], rejected: [RejectedPlugin], removed: [String]) {
        self.directory = directory
        self.directoryProblem = directoryProblem
        self.loaded = loaded
        self.rejected = rejected
        self.removed = removed
        warnings = Self.sameNameAndVersion(loaded)
    }

    /// One warning per plugin name and version that more than one file declares: two builds of one
    /// plugin side by side (a copy left behind) are rarely meant.
    static func sameNameAndVersion(_ loaded: [LoadedPlugin]) -> [String] {
        let groups = Dictionary(grouping: loaded) { "\($0.name) \($0.version)" }
        return groups.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }.map { key, plugins in
            let files = plugins.map { $0.file.split(separator: "/").last.map(String.init) ?? $0.file }.sorted()
            return "plugin \(key) is loaded from \(files.count) files (\(files.joined(separator: ", "))): "
                + "they declare the same name and version; remove the copy you do not mean to load"
        }
    }

    /// True when every `.so` file loaded.
    public var isClean: Bool { directoryProblem == nil && rejected.isEmpty }
}
