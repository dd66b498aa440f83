import ArgumentParser
import Foundation
import Logging
import TaskHost

/// Where a command finds its host: the home directory (the socket and the database are in it).
protocol HomeSelecting {
    /// `--home`, if given.
    var home: String? { get }
}

extension HomeSelecting {
    /// A client for the host serving this home.
    func client() -> ControlClient {
        let paths = paths(plugins: nil)
        let user = ProcessInfo.processInfo.environment["USER"] ?? "uid \(getuid())"
        return ControlClient(socketPath: paths.controlSocket.path, home: paths.home.path, actor: "cli (\(user))")
    }

    /// Paths for a given plugins directory.
    func paths(plugins: String?) -> HostPaths { HostPaths(home: home, plugins: plugins) }
}

/// The options of a command that talks to a running host (or reads its database): only `--home`.
struct ClientOptions: ParsableArguments, HomeSelecting {
    @Option(name: .long, help: "The host's home directory (default: $TASKHOST_HOME or ./.taskhost).")
    var home: String?
}

/// The options of a command that loads plugins itself (`serve`, `run`, `plugins check`, `types --plugins`).
struct HostOptions: ParsableArguments, HomeSelecting {
    @OptionGroup var client: ClientOptions

    var home: String? { client.home }

    @Flag(name: .long, help: "Load plugin files even if writable by group/others or owned by another user.")
    var allowInsecurePlugins = false

    @Flag(name: .long, help: "Log what the host does to standard error.")
    var verbose = false

    /// A logger writing to standard error: everything with --verbose, nothing otherwise
    /// (commands print their own results).
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .critical
        return logger
    }

    /// Scans `plugins` as the host would and returns the loader (with its registry). The images
    /// go to a private temporary cache: a running host cleans its own cache and must not race this.
    func scanPlugins(_ plugins: String?) throws -> (PluginLoader, PluginScanReport) {
        let paths = paths(plugins: plugins)
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("taskhost-check-\(getpid())")
        // Loaded images stay mapped after their files are removed.
        defer { try? FileManager.default.removeItem(at: cache) }
        let loader = PluginLoader(
            configuration: PluginLoaderConfiguration(
                pluginsDirectory: paths.pluginsDirectory, imageCacheDirectory: cache,
                allowInsecurePermissions: allowInsecurePlugins, probeExecutable: PluginLoaderConfiguration.currentExecutable),
            logger: logger("taskhost.plugins"))
        loader.registry.registerBuiltIn(ShellTask.self)
        let report = loader.scan()
        return (loader, report)
    }
}
