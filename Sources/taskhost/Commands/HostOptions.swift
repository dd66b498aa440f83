import ArgumentParser
import Foundation
import Logging
import TaskHost

/// Options every command that touches a host's files shares.
struct HostOptions: ParsableArguments {
    @Option(name: .long, help: "The host's home directory (default: $TASKHOST_HOME or ./.taskhost).")
    var home: String?

    @Flag(name: .long, help: "Load plugin files even if writable by group/others or owned by another user.")
    var allowInsecurePlugins = false

    @Flag(name: .long, help: "Log what the host does to standard error.")
    var verbose = false

    /// A client for the host serving this home.
    func client() -> ControlClient {
        let paths = paths(plugins: nil)
        let user = ProcessInfo.processInfo.environment["USER"] ?? "uid \(getuid())"
        return ControlClient(socketPath: paths.controlSocket.path, home: paths.home.path, actor: "cli (\(user))")
    }

    /// Paths for a given plugins directory.
    func paths(plugins: String?) -> HostPaths { HostPaths(home: home, plugins: plugins) }

    /// A logger writing to standard error: everything with --verbose, nothing otherwise
    /// (commands print their own results).
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .critical
        return logger
    }

    /// Scans `plugins` as the host would and returns the loader (with its registry).
    func scanPlugins(_ plugins: String?) throws -> (PluginLoader, PluginScanReport) {
        let paths = paths(plugins: plugins)
        try paths.createHome()
        let loader = PluginLoader(
            configuration: PluginLoaderConfiguration(
                pluginsDirectory: paths.pluginsDirectory, imageCacheDirectory: paths.imageCache,
                allowInsecurePermissions: allowInsecurePlugins, probeExecutable: PluginLoaderConfiguration.currentExecutable),
            logger: logger("taskhost.plugins"))
        return (loader, loader.scan())
    }
}
