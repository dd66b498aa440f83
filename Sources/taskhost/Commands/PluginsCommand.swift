import ArgumentParser
import Foundation
import TaskHost

/// `taskhost plugins ...`
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "Show the running host's plugins, rescan them, or check a directory offline.",
        discussion: """
            Examples:
              taskhost plugins              # the host's loaded and rejected plugins
              taskhost plugins rescan       # load new or changed files now
              taskhost plugins check ./build-output
            """,
        subcommands: [PluginsShowCommand.self, PluginsRescanCommand.self, PluginsCheckCommand.self, PluginsProbeCommand.self],
        defaultSubcommand: PluginsShowCommand.self
    )
}

/// `taskhost plugins [show]`: the running host's scan result.
struct PluginsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "The running host's loaded and rejected plugins.")

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var host: ClientOptions

    func run() async throws {
        let report = try await host.client().call(.GET, "/v1/plugins", as: PluginScanReport.self)
        if json { try printJSON(report) } else { print(PluginReportText(report).render(), terminator: "") }
    }
}

/// `taskhost plugins rescan`
struct PluginsRescanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rescan", abstract: "Ask the running host to rescan its plugins directory now.")

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var host: ClientOptions

    func run() async throws {
        let report = try await host.client().call(.POST, "/v1/plugins/rescan", as: PluginScanReport.self)
        if json { try printJSON(report) } else { print(PluginReportText(report).render(), terminator: "") }
        if !report.isClean { throw ExitCode(ExitStatus.failed) }
    }
}

/// `taskhost plugins check [DIR]`: scan exactly as the host would and report each file.
struct PluginsCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Scan a plugins directory as the host would and print each file's outcome.",
        discussion: """
            Exits 0 when every *.so file loads, 1 when any is rejected (the reason is
            printed).

            Examples:
              taskhost plugins check
              taskhost plugins check ~/my-plugin/.build/debug --json
            """
    )

    @Argument(help: "The directory to scan (default: ./plugins.d).")
    var directory: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @OptionGroup var host: HostOptions

    func run() throws {
        let (_, report) = try host.scanPlugins(directory)
        if json {
            try printJSON(report)
        } else {
            print(PluginReportText(report).render(), terminator: "")
        }
        if !report.isClean { throw ExitCode.failure }
    }
}

/// `taskhost plugins probe IMAGE` (hidden): run by the host in a child process to load a new
/// plugin image before the host itself does; a crash here costs only this process.
struct PluginsProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe", abstract: "Load one plugin image in this process and report (used by the host).",
        shouldDisplay: false)

    @Argument(help: "The image file.")
    var image: String

    func run() throws {
        // Its own process group: the host kills the whole group if loading hangs, with whatever the plugin started.
        setpgid(0, 0)
        guard let refusal = PluginLoader.probeInThisProcess(image) else { return }
        let body = try JSONEncoder().encode(["code": refusal.code, "message": refusal.message])
        print(String(decoding: body, as: UTF8.self))
        throw ExitCode.failure
    }
}

/// `taskhost worker` (hidden): a worker process the host starts to run one process-isolated attempt.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run one task attempt for the host over standard input (used by the host).", shouldDisplay: false)

    func run() throws {
        let status = WorkerMain.run()
        if status != 0 { throw ExitCode(status) }
    }
}
