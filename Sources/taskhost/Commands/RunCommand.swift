import ArgumentParser
import Dispatch
import Foundation
import Logging
import TaskHost
import TaskHostServer

/// `taskhost run TYPE -p ...`: one task in the foreground, no daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one task in the foreground without a host (Ctrl-C stops it cleanly).",
        discussion: """
            Loads the plugins, runs the task with a progress bar, prints its result and
            exits with 0 if it finished, 1 otherwise. Nothing is kept: the task lives in a
            temporary database.

            Examples:
              taskhost run hash-tree -p path=/usr/share/doc
              taskhost run sleep -p seconds=3 --json
            """
    )

    @Argument(help: "The task type.")
    var type: String

    @Option(name: .short, parsing: .unconditionalSingleValue, help: "A parameter, key=value (repeatable).")
    var p: [String] = []

    @Option(name: .long, help: "The plugins directory (default: ./plugins.d).")
    var plugins: String?

    @Option(name: .long, parsing: .unconditional, help: "Fail the run after this long (30s, 10m; a unit is required).")
    var timeout: String?

    @Flag(name: .long, help: "Print the final task as JSON.")
    var json = false

    @OptionGroup var host: HostOptions

    func run() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("taskhost-run-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let paths = HostPaths(home: scratch.path, plugins: plugins ?? host.paths(plugins: nil).pluginsDirectory.path)
        try paths.createHome()
        let logger = host.logger("taskhost.run")
        let loader = PluginLoader(
            configuration: PluginLoaderConfiguration(
                pluginsDirectory: paths.pluginsDirectory, imageCacheDirectory: paths.imageCache,
                allowInsecurePermissions: host.allowInsecurePlugins),
            logger: logger)
        loader.scan()
        let manager: TaskManager
        do {
            manager = TaskManager(store: try TaskStore(path: paths.database.path), registry: loader.registry, configuration: .init(maxRunning: 1), logger: logger)
            try manager.start()
        } catch { throw CLIError.core(error) }
        defer { manager.shutdown(grace: .seconds(5)) }

        var options = SubmitOptions()
        if let timeout {
            options.timeoutSeconds = try DurationParser.checked(timeout, flag: "--timeout", allowZero: false)
        }
        let parameters = try KeyValue.parse(p, what: "-p").mapValues { ParameterValue.string($0) }
        let id: String
        do { id = try manager.submit(type: type, parameters: parameters, options: options, actor: "cli run") } catch {
            throw CLIError.core(error)
        }

        // Ctrl-C asks the task to stop at its next checkpoint; its hooks run and the run ends cleanly.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT)
        interrupt.setEventHandler {
            printError("\nstopping (the task stops at its next checkpoint)...")
            _ = try? manager.stop(id, actor: "cli run")
        }
        interrupt.resume()
        defer { interrupt.cancel() }

        let display = ProgressDisplay(interactive: isatty(STDOUT_FILENO) == 1, silent: json, id: id)
        let events = manager.subscribe()
        let consumer = Task {
            for await event in events where event.taskID == id { display.update(EventPayload(event)) }
        }
        let final = try await manager.waitUntilFinished(id)
        consumer.cancel()
        display.finish(final)
        if json { try printJSON(final) }
        if final.status != .finished { throw ExitCode(ExitStatus.failed) }
    }
}
