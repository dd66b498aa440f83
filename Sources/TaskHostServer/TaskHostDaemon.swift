import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import TaskHost

/// `taskhost serve`: the host with its control API on a Unix socket (and optionally loopback TCP),
/// under a `ServiceGroup` that shuts down gracefully on SIGTERM/SIGINT.
public enum TaskHostDaemon {
    /// Starts everything, calls `onReady` once the socket listens, and returns after a graceful shutdown.
    public static func run(
        _ configuration: DaemonConfiguration, logger: Logger, onReady: @escaping @Sendable (DaemonStartup) -> Void
    ) async throws {
        if let http = configuration.http, !configuration.allowNonLoopback, !isLoopback(http.host) {
            throw DaemonError.nonLoopbackAddress(http.host)
        }
        let paths = configuration.paths
        do { try paths.createHome() } catch { throw DaemonError.home("cannot create home \(paths.home.path): \(error.localizedDescription)") }
        let lock = try HomeLock(configuration.lockFile, home: paths.home.path)
        // Everything the host creates (socket, token, database) is for its user only.
        umask(0o077)

        let loader = PluginLoader(
            configuration: PluginLoaderConfiguration(
                pluginsDirectory: paths.pluginsDirectory, imageCacheDirectory: paths.imageCache,
                allowInsecurePermissions: configuration.allowInsecurePlugins),
            logger: logger)
        let scan = loader.scan()
        let watcher = PluginDirectoryWatcher(loader: loader, logger: logger)
        do { try watcher.start() } catch { logger.warning("\(error)") }

        let store: TaskStore
        do { store = try TaskStore(path: paths.database.path, durability: configuration.durability) } catch { throw DaemonError.store(error) }
        let manager = TaskManager(
            store: store, registry: loader.registry,
            configuration: TaskManagerConfiguration(maxRunning: configuration.workers, retentionSeconds: configuration.retentionSeconds),
            logger: logger)
        let recovery: RecoveryReport
        do { recovery = try manager.start() } catch { throw DaemonError.store(error) }

        let api = ControlAPI(manager: manager, loader: loader, home: paths.home.path)
        let socket = paths.controlSocket.path
        unlink(socket)  // stale: we hold the home's lock
        let token = try configuration.http.map { _ in try loadOrCreateToken(configuration.tokenFile) }
        let startup = DaemonStartup(configuration: configuration, plugins: scan, recovery: recovery, token: token)
        let unixApp = Application(
            router: api.router(),
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: socket), serverName: "taskhost"),
            onServerRunning: { _ in
                chmod(socket, 0o600)
                onReady(startup)
            },
            logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: ManagerService(
                manager: manager, watcher: watcher, grace: configuration.shutdownGrace,
                retentionSeconds: configuration.retentionSeconds, logger: logger)),
            .init(service: MetricsService(metrics: api.metrics), successTerminationBehavior: .ignore),
            .init(service: unixApp),
        ]
        if let http = configuration.http, let token {
            let tcpApp = Application(
                router: api.router(requiringToken: token),
                configuration: ApplicationConfiguration(address: .hostname(http.host, port: http.port), serverName: "taskhost"),
                logger: logger)
            services.append(.init(service: tcpApp))
        }
        services.append(.init(service: StreamCloserService(manager: manager), successTerminationBehavior: .ignore))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        withExtendedLifetime(lock) {}
        unlink(socket)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The TCP listener's bearer token: kept in `<home>/token` (0600), made on first use.
    static func loadOrCreateToken(_ file: URL) throws -> String {
        if let existing = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            existing.count >= 32
        {
            return existing
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try Data((token + "\n").utf8).write(to: file, options: .atomic)
        chmod(file.path, 0o600)
        return token
    }
}
