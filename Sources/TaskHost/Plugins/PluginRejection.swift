/// Why a plugin file was not loaded. Each case has a stable code (for `--json` and the API)
/// and a message that says what to do.
public enum PluginRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or directory could not be read or inspected.
    case unreadable(String)
    /// The file or its directory is writable by others or owned by another user.
    case insecurePermissions(String)
    /// `dlopen` failed because the plugin references TaskKit symbols this host's SDK lacks.
    case builtAgainstDifferentSDK(dlerror: String)
    /// `dlopen` failed for another reason (not ELF, missing library, wrong architecture...).
    case loadFailed(dlerror: String)
    /// The library has no `taskhost_plugin_v1` symbol.
    case notAPlugin
    /// The entry point returned nothing or a descriptor too short to read.
    case badDescriptor(String)
    /// The descriptor does not start with taskhost's magic number.
    case badMagic(found: UInt64)
    /// The plugin was built for another plugin ABI version.
    case abiMismatch(plugin: UInt32, host: UInt32)
    /// The plugin was built by another compiler or for another platform.
    case toolchainMismatch(plugin: String, host: String)
    /// The plugin carries its own copy of TaskKit instead of using the host's shared library.
    case privateSDKCopy
    /// The plugin's register function reported an error.
    case registerFailed(String)
    /// The plugin registered no task types.
    case noTypes
    /// A type name is not lowercase letters, digits and dashes, or appears twice in the plugin.
    case invalidTypeName(String)
    /// A type name is already registered by another plugin file; the first one is kept.
    case duplicateType(name: String, registeredBy: String)
    /// The host could not copy the file into its image cache.
    case cacheFailed(String)
    /// Not an ELF shared library for this machine.
    case invalidImage(String)
    /// Shorter than its ELF headers say: still being copied, or truncated.
    case incompleteImage(bytes: Int, expected: UInt64)
    /// The file kept changing while the host waited for it to hold still.
    case stillChanging(seconds: Int)
    /// Loading it in a short-lived child process crashed, hung or failed.
    case probeFailed(String)

    /// A stable, machine-readable code.
    public var code: String {
        switch self {
        case .unreadable: "unreadable"
        case .insecurePermissions: "insecure_permissions"
        case .builtAgainstDifferentSDK: "sdk_mismatch"
        case .loadFailed: "load_failed"
        case .notAPlugin: "not_a_plugin"
        case .badDescriptor: "bad_descriptor"
        case .badMagic: "bad_magic"
        case .abiMismatch: "abi_mismatch"
        case .toolchainMismatch: "toolchain_mismatch"
        case .privateSDKCopy: "private_sdk_copy"
        case .registerFailed: "register_failed"
        case .noTypes: "no_types"
        case .invalidTypeName: "invalid_type_name"
        case .duplicateType: "duplicate_type"
        case .cacheFailed: "cache_failed"
        case .invalidImage: "invalid_image"
        case .incompleteImage: "incomplete_image"
        case .stillChanging: "file_changing"
        case .probeFailed: "probe_failed"
        }
    }

    /// What went wrong and what to do about it.
    public var description: String {
        switch self {
        case .unreadable(let detail):
            "cannot read \(detail)"
        case .insecurePermissions(let detail):
            "\(detail); loading a plugin runs its code, so fix the permissions (chmod go-w) or pass --allow-insecure-plugins"
        case .builtAgainstDifferentSDK(let dlerror):
            "built against a different TaskKit SDK; rebuild the plugin against this host's TaskKit (\(dlerror))"
        case .loadFailed(let dlerror):
            "not a loadable shared library: \(dlerror)"
        case .notAPlugin:
            "not a taskhost plugin: no 'taskhost_plugin_v1' symbol (declare the plugin with TaskPlugin.describe; see README 'Writing a plugin')"
        case .badDescriptor(let detail):
            "broken plugin descriptor: \(detail); rebuild the plugin with TaskPlugin.describe"
        case .badMagic(let found):
            "bad descriptor magic 0x\(String(found, radix: 16)); the file exports taskhost_plugin_v1 but is not a taskhost plugin"
        case .abiMismatch(let plugin, let host):
            "plugin ABI version \(plugin), host ABI version \(host); rebuild the plugin against this host's TaskKit"
        case .toolchainMismatch(let plugin, let host):
            "built with '\(plugin)', host built with '\(host)'; Swift has no stable ABI on Linux, rebuild the plugin with the host's toolchain"
        case .privateSDKCopy:
            "carries its own copy of TaskKit (linked statically) instead of the host's libTaskKit.so; depend on the TaskKit package's dynamic product and do not ship libTaskKit.so"
        case .registerFailed(let message):
            "its register function failed: \(message)"
        case .noTypes:
            "registers no task types; pass at least one type to TaskPlugin.describe"
        case .invalidTypeName(let detail):
            "invalid task type name \(detail); use lowercase letters, digits and dashes, unique within the plugin"
        case .duplicateType(let name, let other):
            "task type '\(name)' is already registered by \(other); rename one of them (the first loaded is kept)"
        case .cacheFailed(let detail):
            "could not copy the plugin into the host's image cache: \(detail)"
        case .invalidImage(let detail):
            "not a loadable plugin: \(detail); build it as a shared library (type: .dynamic) for this machine"
        case .incompleteImage(let bytes, let expected):
            "incomplete ELF image: \(ByteCount.grouped(bytes)) of \(ByteCount.grouped(Int(clamping: expected))) bytes (still being copied, or truncated); copy the whole file — it loads by itself once complete"
        case .stillChanging(let seconds):
            "the file kept changing for \(seconds) s; it is loaded once it holds still (copy to a temporary name and rename into place)"
        case .probeFailed(let detail):
            "\(detail); nothing of it was loaded into the host — fix the plugin and copy it again"
        }
    }
}
