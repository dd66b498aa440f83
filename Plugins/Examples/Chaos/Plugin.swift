import TaskKit

/// The plugin's entry point: a task type that misbehaves on request, to see what isolation buys.
@_cdecl("taskhost_plugin_v1")
public func taskhostPlugin() -> UnsafeRawPointer {
    TaskPlugin.describe(name: "chaos", version: "1.0.0", types: [ChaosTask.self])
}
