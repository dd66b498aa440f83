import Crypto
import Foundation

/// Opens plugin files from private, content-addressed copies.
///
/// glibc matches loaded libraries by path and a `.so` overwritten while mapped can crash the
/// process, so the host never opens a file in `plugins.d/` itself: it copies the bytes to
/// `<cache>/<sha256>.so` (read-only) and opens that. A changed file gets a new path and loads as
/// a new image next to the old one. Images are never closed (closing Swift images is unsafe).
struct PluginImageCache: Sendable {
    let directory: URL

    /// Reads `file`, returns its SHA-256 hex and the path of its private copy (made if missing).
    func privateCopy(of file: URL) throws(PluginRejection) -> (hash: String, path: String) {
        let bytes: Data
        do { bytes = try Data(contentsOf: file) } catch { throw .unreadable(error.localizedDescription) }
        let hash = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let target = directory.appendingPathComponent("\(hash).so")
        if FileManager.default.fileExists(atPath: target.path) { return (hash, target.path) }
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // Write beside the target and rename, so a crash never leaves a half-written image under its hash.
            let temporary = directory.appendingPathComponent(".\(hash).\(getpid()).tmp")
            try bytes.write(to: temporary)
            try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: temporary.path)
            if rename(temporary.path, target.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw PluginRejection.cacheFailed("rename into \(directory.path): \(reason)")
            }
        } catch let rejection as PluginRejection {
            throw rejection
        } catch {
            throw .cacheFailed("\(directory.path): \(error.localizedDescription)")
        }
        return (hash, target.path)
    }

    /// `dlopen`s an image with `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE`.
    static func open(_ path: String) throws(PluginRejection) -> UnsafeMutableRawPointer {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let message = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            if message.contains("undefined symbol: $s7TaskKit") {
                throw .builtAgainstDifferentSDK(dlerror: message)
            }
            throw .loadFailed(dlerror: message)
        }
        return handle
    }
}
