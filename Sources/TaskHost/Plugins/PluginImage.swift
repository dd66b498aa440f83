import Crypto
import Foundation
import Logging

/// Opens plugin files from private, content-addressed copies.
///
/// glibc matches loaded libraries by path and a `.so` overwritten while mapped can crash the
/// process, so the host never opens a file in `plugins.d/` itself: it copies the bytes to
/// `<cache>/<sha256>.so` (read-only) and opens that. A changed file gets a new path and loads as
/// a new image next to the old one. Images are never closed (closing Swift images is unsafe).
struct PluginImageCache: Sendable {
    let directory: URL

    /// Returns the SHA-256 hex of `bytes` and the path of their private copy (made if missing).
    func privateCopy(of bytes: Data) throws(PluginRejection) -> (hash: String, path: String) {
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

    /// Deletes copies (and probe markers) whose hash is not in `keep`, and leftover temporary
    /// files older than a minute. Deleting a mapped image is safe: the mapping keeps its inode.
    func removeImages(except keep: Set<String>, logger: Logger) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names {
            let path = directory.appendingPathComponent(name).path
            let stale: Bool
            if name.hasPrefix(".") && name.hasSuffix(".tmp") {
                let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
                stale = Date().timeIntervalSince(modified) > 60
            } else if let hash = name.split(separator: ".").first, name.hasSuffix(".so") || name.hasSuffix(".so.ok") {
                stale = !keep.contains(String(hash))
            } else {
                stale = false
            }
            if stale, unlink(path) == 0 { logger.debug("removed unused plugin image", metadata: ["file": "\(path)"]) }
        }
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
