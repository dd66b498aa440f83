@_exported import CTaskKit

/// Versions baked into whatever code calls these: a plugin's build or the host's.
///
/// Everything is `@_alwaysEmitIntoClient` on purpose: a plugin must report the SDK and
/// compiler IT was built with, not the ones of the libTaskKit.so it finds at run time.
public enum SDKBuildInfo {
    /// The TaskKit release.
    @_alwaysEmitIntoClient
    public static var sdkVersion: String { "1.1.0" }

    /// The plugin ABI version from the C header this build saw.
    @_alwaysEmitIntoClient
    public static var abiVersion: UInt32 { UInt32(TASKHOST_PLUGIN_ABI_VERSION) }

    /// The compiler family and target: Swift has no stable ABI on Linux, so host and plugin must match.
    @_alwaysEmitIntoClient
    public static var toolchainID: String {
        #if compiler(>=6.5)
        let compiler = "swift-6.5+"
        #elseif compiler(>=6.4)
        let compiler = "swift-6.4"
        #elseif compiler(>=6.3)
        let compiler = "swift-6.3"
        #elseif compiler(>=6.2)
        let compiler = "swift-6.2"
        #else
        let compiler = "swift-6.1-or-older"
        #endif
        #if arch(x86_64)
        let arch = "x86_64"
        #elseif arch(arm64)
        let arch = "aarch64"
        #else
        let arch = "other"
        #endif
        #if os(Linux)
        let os = "linux"
        #else
        let os = "other"
        #endif
        return "\(compiler) \(arch)-\(os)"
    }
}
