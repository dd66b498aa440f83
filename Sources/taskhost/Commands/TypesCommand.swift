import ArgumentParser
import TaskHost

/// `taskhost types`: the task types the plugins provide.
struct TypesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "types",
        abstract: "List the registered task types with their summaries and parameters.",
        discussion: """
            Examples:
              taskhost types
              taskhost types --plugins ./plugins.d --json
            """
    )

    @Option(name: .long, help: "The plugins directory (default: ./plugins.d).")
    var plugins: String?

    @Flag(name: .long, help: "Print the types as JSON.")
    var json = false

    @OptionGroup var host: HostOptions

    func run() throws {
        let (loader, report) = try host.scanPlugins(plugins)
        let types = loader.registry.types
        if json {
            try printJSON(types)
            return
        }
        if types.isEmpty {
            print("No task types: no plugin loaded from \(report.directory).")
            print("Run `taskhost plugins check` to see why, or drop a plugin .so into that directory.")
            return
        }
        print(TypeListText(types).render(), terminator: "")
    }
}
