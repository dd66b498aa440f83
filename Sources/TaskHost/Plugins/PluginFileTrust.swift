import Foundation

/// The ssh-style ownership and permission check run before a plugin file is opened:
/// loading a `.so` runs its code, so nobody but the host's user may be able to change it.
struct PluginFileTrust {
    /// Skips every check when the user said so explicitly.
    let allowInsecure: Bool

    /// Throws `.insecurePermissions` unless `path` is owned by this user (or root) and not group/other-writable.
    func check(_ path: String, what: String) throws(PluginRejection) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .unreadable("\(what) '\(path)': \(String(cString: strerror(errno)))")
        }
        guard !allowInsecure else { return }
        let user = geteuid()
        if info.st_uid != user && info.st_uid != 0 {
            throw .insecurePermissions("\(what) '\(path)' is owned by uid \(info.st_uid), not by this user (uid \(user))")
        }
        if info.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw .insecurePermissions("\(what) '\(path)' is writable by group or others (mode \(mode))")
        }
    }
}
