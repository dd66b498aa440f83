import ArgumentParser
import TaskHost

/// `taskhost types`: the task types the plugins provide.
struct TypesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "types",
        abstract: "List the task types with their summaries and parameters.",
        discussion: """
            Examples:
              taskhost types
              taskhost types --plugins ./plugins.d --json
            """
    )

    @Option(name: .long, help: "Scan this plugins directory instead of asking the running host.")
    var plugins: String?

    @Flag(name: .long, help: "Print the types as JSON.")
    var json = false

    @OptionGroup var host: HostOptions

    func run() async throws {
        let types: [TaskTypeInfo]
        let directory: String
        do {
            // The running host's view, unless a directory was named or no host runs.
            guard plugins == nil else { throw CLIError.hostNotRunning(home: "", detail: "") }
            types = try await host.client().call(.GET, "/v1/types", as: TypeList.self).types
            directory = "the running host's plugins directory"
        } catch CLIError.hostNotRunning {
            let (loader, report) = try host.scanPlugins(plugins)
            types = loader.registry.types
            directory = report.directory
        }
        if json {
            try printJSON(TypeList(types: types))
            return
        }
        if !types.isEmpty { print(TypeListText(types).render(), terminator: "") }
        if types.allSatisfy({ $0.plugin == "built-in" }) {
            print("No plugin types: no plugin loaded from \(directory).")
            print("Run `taskhost plugins check` to see why, or drop a plugin .so into that directory.")
        }
    }
}
