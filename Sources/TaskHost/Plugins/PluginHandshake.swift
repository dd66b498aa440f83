import Foundation
import TaskKit

/// What a plugin's C descriptor said about it, read and checked before any of its Swift types are touched.
struct PluginHandshake: Sendable {
    let name: String
    let version: String
    let sdkVersion: String
    let toolchainID: String

    /// Calls the plugin's entry point and checks magic, ABI version, size and toolchain, in that order.
    /// On success also returns the descriptor pointer for registration.
    static func read(handle: UnsafeMutableRawPointer) throws(PluginRejection)
        -> (PluginHandshake, UnsafePointer<taskhost_plugin_descriptor>)
    {
        guard let symbol = dlsym(handle, TASKHOST_PLUGIN_ENTRY_SYMBOL) else { throw .notAPlugin }
        let entry = unsafeBitCast(symbol, to: (@convention(c) () -> UnsafeRawPointer?).self)
        guard let raw = entry() else { throw .badDescriptor("the entry point returned a null descriptor") }
        // Only the fixed 16-byte prefix is known to exist until struct_size says otherwise.
        let magic = raw.loadUnaligned(as: UInt64.self)
        guard magic == TASKHOST_PLUGIN_MAGIC else { throw .badMagic(found: magic) }
        let abi = raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        guard abi == SDKBuildInfo.abiVersion else { throw .abiMismatch(plugin: abi, host: SDKBuildInfo.abiVersion) }
        let size = raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
        let needed = MemoryLayout<taskhost_plugin_descriptor>.size
        guard Int(size) >= needed else {
            throw .badDescriptor("descriptor is \(size) bytes, ABI \(abi) needs at least \(needed)")
        }
        let descriptor = raw.assumingMemoryBound(to: taskhost_plugin_descriptor.self)
        let fields = descriptor.pointee
        let handshake = PluginHandshake(
            name: fields.plugin_name.map { String(cString: $0) } ?? "",
            version: fields.plugin_version.map { String(cString: $0) } ?? "",
            sdkVersion: fields.sdk_version.map { String(cString: $0) } ?? "",
            toolchainID: fields.toolchain_id.map { String(cString: $0) } ?? "")
        guard handshake.toolchainID == SDKBuildInfo.toolchainID else {
            throw .toolchainMismatch(plugin: handshake.toolchainID, host: SDKBuildInfo.toolchainID)
        }
        guard !handshake.name.isEmpty else { throw .badDescriptor("the plugin has no name") }
        return (handshake, descriptor)
    }

    /// Throws `.privateSDKCopy` unless the plugin resolves TaskKit's anchor to the host's own libTaskKit.so.
    static func checkSharedSDK(handle: UnsafeMutableRawPointer) throws(PluginRejection) {
        let hostAnchor = dlsym(nil, TASKKIT_SDK_ANCHOR_SYMBOL)
        let pluginAnchor = dlsym(handle, TASKKIT_SDK_ANCHOR_SYMBOL)
        guard let hostAnchor, pluginAnchor == hostAnchor else { throw .privateSDKCopy }
    }

    /// Runs the plugin's register function and returns the types it staged.
    static func register(_ descriptor: UnsafePointer<taskhost_plugin_descriptor>) throws(PluginRejection)
        -> [any BaseTask.Type]
    {
        guard let register = descriptor.pointee.register_types else {
            throw .badDescriptor("no register function")
        }
        let registrar = TypeRegistrar()
        let status = withExtendedLifetime(registrar) {
            register(descriptor.pointee.context, Unmanaged.passUnretained(registrar).toOpaque())
        }
        guard status == 0 else { throw .registerFailed(registrar.failure ?? "returned status \(status)") }
        return registrar.types
    }
}
