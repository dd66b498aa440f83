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
        if let http = configuration.http, !configuration.allowNonLoopback, !LoopbackAddress.isLoopback(http.host) {
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
                allowInsecurePermissions: configuration.allowInsecurePlugins, probeExecutable: configuration.probeExecutable,
                removeStaleImages: true),
            logger: logger)
        if configuration.shellEnabled {
            loader.registry.registerBuiltIn(ShellTask.self)
        } else {
            loader.registry.turnOff(ShellTask.name, reason: "the host was started with --no-shell")
        }
        let scan = loader.scan()
        let watcher = PluginDirectoryWatcher(loader: loader, logger: logger)
        do { try watcher.start() } catch { logger.warning("\(error)") }

        let store: TaskStore
        do { store = try TaskStore(path: paths.database.path, durability: configuration.durability) } catch { throw DaemonError.store(error) }
        let manager = TaskManager(
            store: store, registry: loader.registry,
            configuration: TaskManagerConfiguration(
                maxRunning: configuration.slots, limits: configuration.limits,
                defaultIsolation: configuration.defaultIsolation, workerExecutable: configuration.probeExecutable),
            logger: logger)
        let recovery: RecoveryReport
        do { recovery = try manager.start() } catch { throw DaemonError.store(error) }

        let api = ControlAPI(manager: manager, loader: loader, home: paths.home.path)
        let socket = paths.controlSocket.path
        unlink(socket)  // stale: we hold the home's lock
        let token = try configuration.http.map { _ in try loadOrCreateToken(configuration.tokenFile) }
        // Ready once every listener is bound: the banner then shows the TCP port actually bound (for port 0).
        let readiness = ListenerReadiness(expecting: configuration.http == nil ? 1 : 2) { port in
            onReady(DaemonStartup(configuration: configuration, plugins: scan, recovery: recovery, token: token, httpPort: port))
        }
        let unixApp = Application(
            router: api.router(),
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: socket), serverName: "taskhost"),
            onServerRunning: { _ in
                chmod(socket, 0o600)
                readiness.ready(port: nil)
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
                onServerRunning: { channel in readiness.ready(port: channel.localAddress?.port ?? http.port) },
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

/// Calls `onAllReady` once every listener reported, with the TCP port that was bound.
final class ListenerReadiness: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int
    private var port: Int?
    private let onAllReady: @Sendable (Int?) -> Void

    init(expecting count: Int, onAllReady: @escaping @Sendable (Int?) -> Void) {
        remaining = count
        self.onAllReady = onAllReady
    }

    func ready(port: Int?) {
        let done: (Bool, Int?) = lock.withLock {
            if let port { self.port = port }
            remaining -= 1
            return (remaining == 0, self.port)
        }
        if done.0 { onAllReady(done.1) }
    }
}
