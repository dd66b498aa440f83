import TaskKit

/// Fixture entry point whose registration throws: the host must reject the whole plugin.
@_cdecl("taskhost_plugin_v1")
public func taskhostPlugin() -> UnsafeRawPointer {
    TaskPlugin.describe(name: "failing-register", version: "0.0.1") { _ in
        throw TaskError("config file /etc/failing-register.conf is missing")
    }
}
