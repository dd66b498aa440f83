import Foundation
import Logging
import Synchronization
import TaskKit

/// Where plugins come from and how strictly they are checked.
public struct PluginLoaderConfiguration: Sendable {
    /// The drop directory (`plugins.d`).
    public var pluginsDirectory: URL
    /// Where private copies of plugin files are kept (in the host's home).
    public var imageCacheDirectory: URL
    /// Load files even if group/other-writable or owned by another user.
    public var allowInsecurePermissions: Bool
    /// The `taskhost` binary, whose hidden `plugins probe` command loads each new image in a child
    /// process first (nil: no probe; a crashing initialiser then takes this process down).
    public var probeExecutable: String?
    /// How long a probe may take before it counts as hung.
    public var probeTimeoutSeconds: Double
    /// A file changed less than this long ago is waited for until it holds still.
    public var settleSeconds: Double
    /// Delete private copies that no loaded plugin uses after each scan (the host's own cache only).
    public var removeStaleImages: Bool

    /// Creates a configuration.
    public init(
        pluginsDirectory: URL, imageCacheDirectory: URL, allowInsecurePermissions: Bool = false, probeExecutable: String? = nil,
        probeTimeoutSeconds: Double = 10, settleSeconds: Double = 0.1, removeStaleImages: Bool = false
    ) {
        self.pluginsDirectory = pluginsDirectory
        self.imageCacheDirectory = imageCacheDirectory
        self.allowInsecurePermissions = allowInsecurePermissions
        self.probeExecutable = probeExecutable
        self.probeTimeoutSeconds = probeTimeoutSeconds
        self.settleSeconds = settleSeconds
        self.removeStaleImages = removeStaleImages
    }

    /// This program's own executable, for `probeExecutable` when this program is `taskhost`
    /// (`/proc/self/exe` itself: it still works after the file was replaced by an upgrade).
    public static var currentExecutable: String? {
        FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : nil
    }
}

/// Scans the plugins directory and loads what is new or changed into a `TaskTypeRegistry`.
///
/// One bad file never stops the others. Scans are serialized; unchanged files (same inode,
/// size and mtime) are not read again, and a rejected file is not opened again until it changes.
public final class PluginLoader: Sendable {
    /// The registry the loaded types go into.
    public let registry: TaskTypeRegistry
    /// Where plugins are read from.
    public let configuration: PluginLoaderConfiguration
    private let logger: Logger
    private let known = Mutex<[String: KnownFile]>([:])
    private let scanLock = Mutex(())

    private enum KnownFile {
        case loaded(LoadedPlugin, FileFingerprint)
        case rejected(RejectedPlugin, FileFingerprint)
    }

    /// Creates a loader; nothing is read until `scan()`.
    public init(configuration: PluginLoaderConfiguration, registry: TaskTypeRegistry = TaskTypeRegistry(), logger: Logger) {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
    }

    /// Scans the directory now, loads new and changed plugins, withdraws removed ones, and returns the result.
    @discardableResult
    public func scan() -> PluginScanReport {
        scanLock.withLock { _ in
            let report = scanLocked()
            registry.record(report)
            return report
        }
    }

    private func scanLocked() -> PluginScanReport {
        let directory = configuration.pluginsDirectory.standardizedFileURL
        let trust = PluginFileTrust(allowInsecure: configuration.allowInsecurePermissions)
        let files: [String]
        do {
            try trust.check(directory.path, what: "plugins directory")
            files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".so") && !$0.hasPrefix(".") }
                .sorted()
        } catch {
            let problem = (error as? PluginRejection)?.description ?? "cannot list \(directory.path): \(error.localizedDescription)"
            logger.error("plugin scan skipped", metadata: ["directory": "\(directory.path)", "problem": "\(problem)"])
            return PluginScanReport(directory: directory.path, directoryProblem: problem, loaded: [], rejected: [], removed: [])
        }

        var loaded: [LoadedPlugin] = []
        var rejected: [RejectedPlugin] = []
        for name in files {
            let path = directory.appendingPathComponent(name).path
            switch examine(path, trust: trust) {
            case .loaded(let plugin, _): loaded.append(plugin)
            case .rejected(let rejection, _): rejected.append(rejection)
            }
        }
        let present = Set(files.map { directory.appendingPathComponent($0).path })
        let removed = known.withLock { known in
            let gone = known.keys.filter { !present.contains($0) }.sorted()
            for path in gone { known[path] = nil }
            return gone
        }
        for path in removed {
            registry.withdraw(file: path)
            logger.notice("plugin file removed; its types refuse new tasks", metadata: ["file": "\(path)"])
        }
        if configuration.removeStaleImages {
            let inUse = known.withLock { known in
                Set(known.values.compactMap { if case .loaded(let plugin, _) = $0 { plugin.contentHash } else { nil } })
            }
            PluginImageCache(directory: configuration.imageCacheDirectory).removeImages(except: inUse, logger: logger)
        }
        return PluginScanReport(directory: directory.path, directoryProblem: nil, loaded: loaded, rejected: rejected, removed: removed)
    }

    private func examine(_ path: String, trust: PluginFileTrust) -> KnownFile {
        var fingerprint = FileFingerprint(path: path)
        if let fingerprint, let previous = known.withLock({ $0[path] }) {
            switch previous {
            case .loaded(_, let seen) where seen == fingerprint: return previous
            case .rejected(_, let seen) where seen == fingerprint: return previous
            default: break
            }
        }
        let outcome: KnownFile
        do {
            fingerprint = try waitUntilStable(path, fingerprint)
            let plugin = try load(path, trust: trust)
            outcome = .loaded(plugin, fingerprint ?? FileFingerprint.unknown)
            logger.info(
                "plugin loaded",
                metadata: [
                    "file": "\(path)", "plugin": "\(plugin.name) \(plugin.version)",
                    "types": "\(plugin.types.map(\.name).joined(separator: ","))",
                ])
        } catch {
            let rejection = RejectedPlugin(file: path, rejection: error)
            // A file that never held still is looked at again on the next scan, whatever its fingerprint.
            let seen = error.code == PluginRejection.stillChanging(seconds: 0).code ? nil : fingerprint
            outcome = .rejected(rejection, seen ?? FileFingerprint.unknown)
            logger.error("plugin rejected", metadata: ["file": "\(path)", "code": "\(rejection.code)", "reason": "\(rejection.message)"])
        }
        // A file whose new version was rejected keeps its old types registered: running work is untouched.
        known.withLock { $0[path] = outcome }
        return outcome
    }

    /// Returns `path`'s fingerprint once it holds still: a file modified within `settleSeconds`
    /// (a copy in progress) is looked at again `settleSeconds` later, and is stable once size and
    /// mtime did not change in between. Gives up after 10 s of changes. The wall clock only
    /// decides whether to look twice, so a file dated in the future costs one interval, not a loop.
    private func waitUntilStable(_ path: String, _ first: FileFingerprint?) throws(PluginRejection) -> FileFingerprint? {
        let settle = configuration.settleSeconds
        // Changed long enough ago (or dated in the future: the clock cannot tell): stable.
        guard let initial = first, initial.age >= 0, initial.age < settle else { return first }
        let started = ContinuousClock.now
        var previous = initial
        while ContinuousClock.now - started < .seconds(10) {
            Thread.sleep(forTimeInterval: settle)
            guard let next = FileFingerprint(path: path) else { return nil }
            if next == previous { return next }
            previous = next
        }
        throw .stillChanging(seconds: 10)
    }

    private func load(_ path: String, trust: PluginFileTrust) throws(PluginRejection) -> LoadedPlugin {
        try trust.check(path, what: "plugin file")
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw .unreadable(error.localizedDescription) }
        try ELFImageCheck.check(bytes)
        let cache = PluginImageCache(directory: configuration.imageCacheDirectory)
        let (hash, imagePath) = try cache.privateCopy(of: bytes)
        if let executable = configuration.probeExecutable {
            try PluginProbe(executable: executable, timeout: configuration.probeTimeoutSeconds).check(image: imagePath)
        }
        let (handshake, types) = try Self.loadImage(imagePath, displayPath: path)
        let infos = types.map { TaskTypeInfo($0, plugin: handshake.name, pluginVersion: handshake.version) }
        try registry.commit(types, infos: infos, from: path, image: imagePath)
        return LoadedPlugin(
            file: path, name: handshake.name, version: handshake.version, sdkVersion: handshake.sdkVersion,
            contentHash: hash, types: infos)
    }

    /// `dlopen`s an image in this process, checks its handshake and runs its registration; what
    /// both the host and the probe child do.
    static func loadImage(_ imagePath: String, displayPath: String) throws(PluginRejection) -> (PluginHandshake, [any BaseTask.Type]) {
        let handle: UnsafeMutableRawPointer
        do {
            handle = try PluginImageCache.open(imagePath)
        } catch .loadFailed(let message) {
            throw .loadFailed(dlerror: message.replacingOccurrences(of: imagePath, with: displayPath))
        }
        let (handshake, descriptor) = try PluginHandshake.read(handle: handle)
        try PluginHandshake.checkSharedSDK(handle: handle)
        let types = try PluginHandshake.register(descriptor)
        guard !types.isEmpty else { throw .noTypes }
        var seen = Set<String>()
        for type in types {
            let name = type.name
            guard isValidTypeName(name), seen.insert(name).inserted else {
                throw .invalidTypeName("'\(name)' in plugin \(handshake.name)")
            }
        }
        return (handshake, types)
    }

    /// The hidden `taskhost plugins probe IMAGE`: loads the image in this (child) process; nil
    /// when it loaded, else the refusal to print.
    public static func probeInThisProcess(_ imagePath: String) -> (code: String, message: String)? {
        do {
            _ = try loadImage(imagePath, displayPath: imagePath)
            return nil
        } catch {
            return (error.code, error.description)
        }
    }

    /// Lowercase letters, digits and dashes, starting with a letter or digit, at most 64 characters.
    static func isValidTypeName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 64, first != UInt8(ascii: "-") else { return false }
        return name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}

/// Identity of a file's current contents without reading them: device, inode, size and mtime.
struct FileFingerprint: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    // Seconds and nanoseconds kept apart: a file dated past 2262 must not overflow one number.
    let modifiedSeconds: Int64
    let modifiedNanoseconds: Int64

    static let unknown = FileFingerprint(device: 0, inode: 0, size: -1, modifiedSeconds: -1, modifiedNanoseconds: -1)

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = Int64(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
    }

    private init(device: UInt64, inode: UInt64, size: Int64, modifiedSeconds: Int64, modifiedNanoseconds: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modifiedSeconds = modifiedSeconds
        self.modifiedNanoseconds = modifiedNanoseconds
    }

    /// Seconds since the last modification by the wall clock (negative for a file dated in the future).
    var age: Double { Date().timeIntervalSince1970 - (Double(modifiedSeconds) + Double(modifiedNanoseconds) / 1e9) }
}
