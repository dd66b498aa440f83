import Foundation

/// Where a host keeps its files: one home directory per host, plus the plugins directory.
public struct HostPaths: Sendable, Equatable {
    /// The home directory (database, plugin image cache, control socket).
    public let home: URL
    /// The plugins drop directory.
    public let pluginsDirectory: URL

    /// Resolves paths: `home` or `$TASKHOST_HOME` or `./.taskhost`; `plugins` or `./plugins.d`.
    public init(home: String? = nil, plugins: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let homePath = home ?? environment["TASKHOST_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ".taskhost"
        self.home = URL(fileURLWithPath: homePath).standardizedFileURL
        self.pluginsDirectory = URL(fileURLWithPath: plugins ?? "plugins.d").standardizedFileURL
    }

    /// Private copies of loaded plugin files.
    public var imageCache: URL { home.appendingPathComponent("plugin-images") }
    /// The database file of the embedded storage.
    public var database: URL { home.appendingPathComponent("taskhost.db") }
    /// The daemon's control socket.
    public var controlSocket: URL { home.appendingPathComponent("taskhost.sock") }

    /// Creates the home directory (mode 0700) if it does not exist.
    public func createHome() throws {
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}
