import Foundation
import TaskHost

/// How `taskhost serve` runs.
public struct DaemonConfiguration: Sendable {
    /// Home and plugins directory.
    public var paths: HostPaths
    /// At most this many tasks run at once.
    public var slots: Int
    /// An optional TCP listener (loopback unless `allowNonLoopback`), protected by a bearer token.
    public var http: (host: String, port: Int)?
    /// Listen on a non-loopback address (the token is then all that protects the host).
    public var allowNonLoopback: Bool
    /// How long running tasks get to reach a checkpoint at shutdown.
    public var shutdownGrace: Duration
    /// Load plugins even with loose permissions.
    public var allowInsecurePlugins: Bool
    /// Prune terminal tasks older than this many seconds (nil: keep).
    public var retentionSeconds: Double?
    /// What an acknowledged change survives: a host crash (default) or also a power cut.
    public var durability: StoreDurability
    /// Size limits on results, parameters, tags and log lines.
    public var limits: TaskLimits
    /// Where tasks run unless they ask otherwise.
    public var defaultIsolation: TaskIsolation
    /// The `taskhost` binary that probes new plugin images in a child (nil: no probe) and runs workers.
    public var probeExecutable: String? = PluginLoaderConfiguration.currentExecutable
    /// Offer the built-in `shell` type (any command, for whoever may submit tasks).
    public var shellEnabled = true

    /// Creates a configuration with the defaults of `taskhost serve`.
    public init(
        paths: HostPaths, slots: Int = 4, http: (host: String, port: Int)? = nil, allowNonLoopback: Bool = false,
        shutdownGrace: Duration = .seconds(10), allowInsecurePlugins: Bool = false, retentionSeconds: Double? = nil,
        durability: StoreDurability = .process, limits: TaskLimits = TaskLimits(), defaultIsolation: TaskIsolation = .thread
    ) {
        self.defaultIsolation = defaultIsolation
        self.limits = limits
        self.paths = paths
        self.slots = slots
        self.http = http
        self.allowNonLoopback = allowNonLoopback
        self.shutdownGrace = shutdownGrace
        self.allowInsecurePlugins = allowInsecurePlugins
        self.retentionSeconds = retentionSeconds
        self.durability = durability
    }

    /// The bearer token file for the TCP listener.
    public var tokenFile: URL { paths.home.appendingPathComponent("token") }
    /// The lock that keeps a second host off the same home.
    public var lockFile: URL { paths.home.appendingPathComponent("taskhost.lock") }
}

/// What a started daemon tells the person who started it.
public struct DaemonStartup: Sendable {
    /// The configuration in force.
    public let configuration: DaemonConfiguration
    /// The plugin scan at start.
    public let plugins: PluginScanReport
    /// What crash recovery restored.
    public let recovery: RecoveryReport
    /// The TCP listener's token, if one listens.
    public let token: String?
    /// The TCP port actually bound (differs from the configured one for port 0).
    public let httpPort: Int?

    /// The TCP listener's URL, with an IPv6 address in brackets.
    public var httpURL: String? {
        guard let http = configuration.http else { return nil }
        let host = http.host.contains(":") ? "[\(http.host)]" : http.host
        return "http://\(host):\(httpPort ?? http.port)/v1"
    }
}

/// Why the daemon could not start.
public enum DaemonError: Error, Sendable, CustomStringConvertible {
    /// Another host holds the home's lock.
    case alreadyRunning(home: String, pid: String)
    /// A non-loopback address without `--allow-remote`.
    case nonLoopbackAddress(String)
    /// The home directory or a file in it cannot be used.
    case home(String)
    /// The database cannot be opened.
    case store(TaskHostError)

    /// A stable code.
    public var code: String {
        switch self {
        case .alreadyRunning: "already_running"
        case .nonLoopbackAddress: "non_loopback_address"
        case .home: "home_unusable"
        case .store(let error): error.code
        }
    }

    /// What went wrong and what to do.
    public var description: String {
        switch self {
        case .alreadyRunning(let home, let pid):
            "another taskhost (pid \(pid)) is already serving \(home); stop it first (`kill \(pid)`) or use another --home"
        case .nonLoopbackAddress(let host):
            "refusing to listen on \(host): only loopback addresses (127.0.0.1, ::1, localhost) are allowed without --allow-remote"
        case .home(let detail):
            detail
        case .store(let error):
            error.description
        }
    }
}
