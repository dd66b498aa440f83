import ArgumentParser
import Foundation
import Logging
import TaskHost
import TaskHostServer

/// `taskhost serve`: the daemon.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the host: load plugins, restore tasks, run them, serve the control API.",
        discussion: """
            The control API listens on <home>/taskhost.sock (mode 0600: only you can
            control the host). --http adds a loopback TCP listener that requires the
            bearer token in <home>/token. --durability: every acknowledged change survives
            a crash or kill of the host ('process', the default); 'power' also survives an
            OS crash or power cut, at one fsync per commit. SIGTERM or Ctrl-C: stop
            accepting requests, ask running tasks to stop at their next checkpoint (they
            continue from their saved state on the next start), and exit.

            Examples:
              taskhost serve
              taskhost serve --home /var/lib/myapp/tasks --plugins ./plugins.d --slots 8
              taskhost serve --http 127.0.0.1:8080
            """
    )

    @Option(name: .long, help: "The plugins directory (default: ./plugins.d).")
    var plugins: String?

    @Option(name: [.customLong("slots"), .customLong("workers")], help: "Task slots: at most this many tasks run at once (--workers is the old name).")
    var slots = 4

    @Option(name: .long, help: "Also listen on HOST:PORT (loopback only unless --allow-remote), token required.")
    var http: String?

    @Flag(name: .long, help: "Allow --http on a non-loopback address.")
    var allowRemote = false

    @Option(name: .long, help: "Time running tasks get to reach a checkpoint at shutdown (e.g. 10s).")
    var grace = "10s"

    @Option(name: .long, help: "Delete finished/failed/stopped tasks older than this (e.g. 30d); default: keep.")
    var retention: String?

    @Option(name: .long, help: "What an acknowledged change survives: process (a host crash) or power (also a power cut).")
    var durability = StoreDurability.process.rawValue

    @Option(name: .long, help: "Where tasks run unless they ask: thread or process (a supervised worker each).")
    var isolation = TaskIsolation.thread.rawValue

    @Flag(name: .long, help: "Turn off the built-in shell type (commands run with the host user's rights for whoever holds the socket or token).")
    var noShell = false

    @OptionGroup var limits: LimitOptions

    @OptionGroup var host: HostOptions

    func validate() throws {
        guard slots >= 1 && slots <= 10_000 else { throw ValidationError("--slots must be 1...10000") }
        do {
            _ = try DurationParser.checked(grace, flag: "--grace", allowZero: true)
            if let retention { _ = try DurationParser.checked(retention, flag: "--retention", allowZero: true) }
        } catch let error as CLIError {
            throw ValidationError(error.message)
        }
        _ = try limits.taskLimits()
        guard TaskIsolation(rawValue: isolation) != nil else { throw ValidationError("--isolation '\(isolation)' must be thread or process") }
        guard StoreDurability(rawValue: durability) != nil else {
            throw ValidationError("--durability '\(durability)' must be one of: \(StoreDurability.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let http, Self.parseAddress(http) == nil { throw ValidationError("--http '\(http)' must be HOST:PORT, e.g. 127.0.0.1:8080") }
    }

    func run() async throws {
        var logger = Logger(label: "taskhost") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = host.verbose ? .debug : .warning
        var configuration = DaemonConfiguration(
            paths: host.paths(plugins: plugins), slots: slots, http: http.flatMap(Self.parseAddress),
            allowNonLoopback: allowRemote, shutdownGrace: .milliseconds(Int64((DurationParser.seconds(grace) ?? 10) * 1000)),
            allowInsecurePlugins: host.allowInsecurePlugins, retentionSeconds: retention.flatMap(DurationParser.seconds),
            durability: StoreDurability(rawValue: durability) ?? .process, limits: try limits.taskLimits(),
            defaultIsolation: TaskIsolation(rawValue: isolation) ?? .thread)
        configuration.shellEnabled = !noShell
        do {
            try await TaskHostDaemon.run(configuration, logger: logger) { startup in
                print(Self.banner(startup), terminator: "")
                fflush(nil)
            }
            print("taskhost stopped; state saved in \(configuration.paths.database.path)")
        } catch let error as DaemonError {
            throw CLIError.failed(error.description)
        }
    }

    static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            return nil
        }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host.isEmpty ? nil : (host, port)
    }

    static func banner(_ startup: DaemonStartup) -> String {
        let paths = startup.configuration.paths
        let plugins = startup.plugins
        var out = "taskhost serving \(paths.home.path) (pid \(getpid()))\n"
        out += "  database  \(paths.database.path) (durability: \(startup.configuration.durability.rawValue))\n"
        out += "  socket    \(paths.controlSocket.path)\n"
        out += "  plugins   \(plugins.directory): \(plugins.loaded.count) loaded, \(plugins.rejected.count) rejected\n"
        if let problem = plugins.directoryProblem {
            out += "            error: \(problem)\n"
            if !FileManager.default.fileExists(atPath: plugins.directory) {
                out += "            watched: plugins put there once it is created load within a second\n"
            }
        }
        for plugin in plugins.loaded {
            out += "            ok        \(plugin.name) \(plugin.version): \(plugin.types.map(\.name).joined(separator: ", "))\n"
        }
        for rejected in plugins.rejected {
            out += "            rejected  \(URL(fileURLWithPath: rejected.file).lastPathComponent): \(rejected.message)\n"
        }
        for warning in plugins.warnings { out += "            warning   \(warning)\n" }
        if let url = startup.httpURL, startup.token != nil {
            // The token itself is not printed: standard output often ends up in logs.
            out += "  http      \(url) (Authorization: Bearer <the token in \(startup.configuration.tokenFile.path)>)\n"
        }
        let recovery = startup.recovery
        out += "  restored  \(recovery.interrupted) interrupted, \(recovery.requeued) requeued, \(recovery.paused) paused, \(recovery.pending) pending\n"
        for catchUp in recovery.catchUps {
            let name = Formatting.shortID(catchUp.scheduleID) + (catchUp.name.map { " (\($0))" } ?? "")
            let missed = catchUp.running.count + catchUp.skipped
            var line = "  schedule  \(name): \(missed) firing\(missed == 1 ? "" : "s") missed while down (catch-up \(catchUp.policy.rawValue)): "
            if let first = catchUp.running.first, let last = catchUp.running.last {
                line += catchUp.running.count == 1
                    ? "runs 1 task for \(ScheduleTiming.iso(first))"
                    : "runs \(catchUp.running.count) tasks for \(ScheduleTiming.iso(first)) … \(ScheduleTiming.iso(last))"
                if catchUp.skipped > 0 { line += ", skips \(catchUp.skipped)" }
            } else {
                line += "skips \(catchUp.skipped)"
            }
            out += line + "\n"
        }
        for suspect in recovery.suspects {
            out += "  failed    \(suspect): suspected of crashing the host (\(hostDeathsBeforeSuspect) host deaths while it ran); not run again\n"
        }
        out += "  slots     \(startup.configuration.slots) tasks at once (isolation: \(startup.configuration.defaultIsolation.rawValue))\n"
        out += "  shell     \(startup.configuration.shellEnabled ? "on: `taskhost exec -- CMD` runs commands as you (serve --no-shell turns it off)" : "off (--no-shell)")\n"
        return out
    }
}
