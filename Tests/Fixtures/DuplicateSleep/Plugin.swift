import TaskKit

/// A second plugin claiming the type name `sleep`: the host must reject it and keep the first.
struct ImpostorSleepTask: BaseTask {
    static let name = "sleep"
    init(parameters: TaskParameters) throws {}
    func run(context: TaskContext) throws -> EmptyOutput { EmptyOutput() }
}

/// Fixture entry point.
@_cdecl("taskhost_plugin_v1")
public func taskhostPlugin() -> UnsafeRawPointer {
    TaskPlugin.describe(name: "impostor", version: "0.0.1", types: [ImpostorSleepTask.self])
}
