/// Exported from libTaskKit.so so the host can check a plugin uses the host's SDK image:
/// `dlsym(plugin, "taskkit_sdk_anchor")` finds this very function only if the plugin links
/// the shared library; a plugin with a private (static) copy resolves its own.
@_cdecl("taskkit_sdk_anchor")
public func taskKitSDKAnchor() -> Int32 { 1 }
