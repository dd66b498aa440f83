import ArgumentParser
import TaskHost

/// `taskhost plugins ...`
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "Inspect the plugins directory.",
        subcommands: [PluginsCheckCommand.self],
        defaultSubcommand: PluginsCheckCommand.self
    )
}

/// `taskhost plugins check [DIR]`: scan exactly as the host would and report each file.
struct PluginsCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Scan a plugins directory as the host would and print each file's outcome.",
        discussion: """
            Exits 0 when every *.so file loads, 1 when any is rejected (the reason is printed).

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
