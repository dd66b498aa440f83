import TaskKit

/// The one symbol the host looks for. Keep the name exactly; change the rest.
@_cdecl("taskhost_plugin_v1")
public func taskhostPlugin() -> UnsafeRawPointer {
    TaskPlugin.describe(name: "template", version: "0.1.0", types: [CountWordsTask.self])
}
