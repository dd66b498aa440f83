import ArgumentParser

/// The `taskhost` command line.
@main
struct TaskhostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taskhost",
        abstract: "Run and control background tasks whose types come from plugins.",
        discussion: """
            Task types are plugins: shared libraries built against TaskKit and dropped into plugins.d/.

            Examples:
              taskhost plugins check            # what would load from ./plugins.d, and why not
              taskhost types                    # the task types the plugins provide
            """,
        subcommands: [PluginsCommand.self, TypesCommand.self]
    )
}
