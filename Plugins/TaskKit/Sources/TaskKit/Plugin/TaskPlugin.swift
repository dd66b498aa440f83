import Foundation

/// Declares a plugin. Put this block, with your own name, version and types, in one file of
/// your plugin target:
///
/// ```swift
/// @_cdecl("taskhost_plugin_v1")
/// public func taskhostPlugin() -> UnsafeRawPointer {
///     TaskPlugin.describe(name: "my-plugin", version: "1.0.0", types: [MyTask.self])
/// }
/// ```
public enum TaskPlugin {
    /// Builds the C descriptor the host reads; returns the same pointer on every call.
    ///
    /// `@_alwaysEmitIntoClient` makes this body part of the PLUGIN's binary, so the magic,
    /// ABI version and toolchain it reports are those the plugin was really compiled with.
    @_alwaysEmitIntoClient
    public static func describe(name: String, version: String, types: [any BaseTask.Type]) -> UnsafeRawPointer {
        describe(name: name, version: version) { registrar in registrar.add(types) }
    }

    /// Like `describe(name:version:types:)` with registration code that may throw (the host rejects the plugin).
    @_alwaysEmitIntoClient
    public static func describe(
        name: String, version: String, register: @escaping @Sendable (TypeRegistrar) throws -> Void
    ) -> UnsafeRawPointer {
        let registration = Unmanaged.passRetained(PluginRegistration(register)).toOpaque()
        let descriptor = UnsafeMutablePointer<taskhost_plugin_descriptor>.allocate(capacity: 1)
        descriptor.initialize(
            to: taskhost_plugin_descriptor(
                magic: TASKHOST_PLUGIN_MAGIC,
                abi_version: SDKBuildInfo.abiVersion,
                struct_size: UInt32(MemoryLayout<taskhost_plugin_descriptor>.size),
                sdk_version: strdup(SDKBuildInfo.sdkVersion),
                toolchain_id: strdup(SDKBuildInfo.toolchainID),
                plugin_name: strdup(name),
                plugin_version: strdup(version),
                context: registration,
                register_types: { context, registrar in
                    guard let context, let registrar else { return -2 }
                    let registration = Unmanaged<PluginRegistration>.fromOpaque(context).takeUnretainedValue()
                    return registration.run(into: Unmanaged<TypeRegistrar>.fromOpaque(registrar).takeUnretainedValue())
                }
            ))
        return UnsafeRawPointer(descriptor)
    }
}
