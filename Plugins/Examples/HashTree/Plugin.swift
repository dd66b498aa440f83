import TaskKit

/// The plugin's entry point: the host looks this symbol up by name.
@_cdecl("taskhost_plugin_v1")
public func taskhostPlugin() -> UnsafeRawPointer {
    TaskPlugin.describe(name: "hash-tree", version: "1.0.0", types: [HashTreeTask.self])
}
