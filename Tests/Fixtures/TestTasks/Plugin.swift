import TaskKit

/// Fixture entry point: task types the manager tests measure with.
@_cdecl("taskhost_plugin_v1")
public func taskhostPlugin() -> UnsafeRawPointer {
    TaskPlugin.describe(
        name: "test-tasks", version: "1.0.0",
        types: [
            ProbeTask.self, LimitedProbeTask.self, NoCheckpointTask.self, HooksTask.self, ChattyTask.self, BigResultTask.self,
            LongLineTask.self, HostCrasherTask.self, StateShiftTask.self, StopSwallowerTask.self,
        ])
}
