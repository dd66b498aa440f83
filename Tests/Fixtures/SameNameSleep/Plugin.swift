import TaskKit

/// A second build of a plugin named `sleep` 1.0.0 (as the example is) with a type of its own: it
/// loads beside the example, and the scan must say that two files declare one plugin.
struct SecondNapTask: BaseTask {
    static let name = "second-nap"
    init(parameters: TaskParameters) throws {}
    func run(context: TaskContext) throws -> EmptyOutput { EmptyOutput() }
}

/// Fixture entry point.
@_cdecl("taskhost_plugin_v1")
public func taskhostPlugin() -> UnsafeRawPointer {
    TaskPlugin.describe(name: "sleep", version: "1.0.0", types: [SecondNapTask.self])
}
