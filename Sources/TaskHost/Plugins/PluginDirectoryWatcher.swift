import Foundation
import Logging
import Synchronization

/// Watches the plugins directory with inotify and rescans when a file is added, replaced,
/// changed or removed, so a dropped plugin is usable within a second without a restart.
///
/// Events are coalesced: a rescan runs once the directory has been quiet for `settle`
/// (a `cp` of a large file sends many events).
public final class PluginDirectoryWatcher: Sendable {
    private let loader: PluginLoader
    private let logger: Logger
    private let settle: Duration
    private let running = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    // inotify event bits (linux/inotify.h), spelled out because Glibc imports them untyped.
    private static let modified: UInt32 = 0x2, attributes: UInt32 = 0x4, closedAfterWrite: UInt32 = 0x8
    private static let movedFrom: UInt32 = 0x40, movedTo: UInt32 = 0x80, created: UInt32 = 0x100, deleted: UInt32 = 0x200
    private static let deletedSelf: UInt32 = 0x400, movedSelf: UInt32 = 0x800, ignored: UInt32 = 0x8000

    /// Creates a watcher; call `start()` to begin.
    public init(loader: PluginLoader, settle: Duration = .milliseconds(150), logger: Logger) {
        self.loader = loader
        self.settle = settle
        self.logger = logger
    }

    /// Starts watching on a dedicated thread; throws if inotify itself is unavailable. A directory
    /// that does not exist yet is looked for every poll interval and watched (and scanned) once it does.
    public func start() throws {
        let directory = loader.configuration.pluginsDirectory.path
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw WatchError(directory: directory, reason: String(cString: strerror(errno))) }
        var watch = inotify_add_watch(fd, directory, Self.mask)
        if watch < 0 {
            let reason = errno
            guard reason == ENOENT || reason == ENOTDIR else {
                close(fd)
                throw WatchError(directory: directory, reason: String(cString: strerror(reason)))
            }
            logger.info("plugins directory does not exist yet; watching for it", metadata: ["directory": "\(directory)"])
            watch = -1
        }
        running.store(true, ordering: .sequentiallyConsistent)
        let initial = watch
        let thread = Thread { [self] in
            self.watch(fd: fd, directory: directory, descriptor: initial)
            close(fd)
            finished.signal()
        }
        thread.name = "taskhost-plugin-watcher"
        thread.start()
        if watch >= 0 { logger.info("watching plugins directory", metadata: ["directory": "\(directory)"]) }
    }

    /// Stops watching and waits for the watcher thread to end (at most one poll interval).
    public func stop() {
        guard running.exchange(false, ordering: .sequentiallyConsistent) else { return }
        finished.wait()
    }

    private static let mask = closedAfterWrite | movedTo | movedFrom | created | deleted | attributes | modified | deletedSelf | movedSelf

    /// `descriptor`: the directory's watch, or -1 while it does not exist.
    private func watch(fd: Int32, directory: String, descriptor initial: Int32) {
        let settleMilliseconds = Int32(settle.components.seconds * 1000 + settle.components.attoseconds / 1_000_000_000_000_000)
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var dirty = false
        var watch = initial
        // The banner told the first scan's warnings; a rescan logs only new ones.
        var warned = Set(loader.registry.lastScan?.warnings ?? [])
        while running.load(ordering: .sequentiallyConsistent) {
            if watch < 0 {
                // Created since (or made again after a removal or a move): watch it and load what it holds.
                watch = inotify_add_watch(fd, directory, Self.mask)
                if watch >= 0 {
                    dirty = true
                    logger.info("plugins directory appeared; watching it", metadata: ["directory": "\(directory)"])
                }
            }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, dirty ? settleMilliseconds : 200)
            if ready > 0 {
                while true {
                    let count = read(fd, &buffer, buffer.count)
                    guard count > 0 else { break }
                    if watch >= 0, Self.containsSelfRemoval(buffer[0..<count], of: watch) {
                        // A moved directory is still watched under its new name: let that go.
                        inotify_rm_watch(fd, watch)
                        watch = -1
                    }
                }
                dirty = true
            } else if ready == 0 && dirty {
                dirty = false
                logger.info("plugins directory changed; rescanning")
                let report = loader.scan()
                // A file still being written is looked at again once the directory is quiet.
                if report.rejected.contains(where: { $0.code == PluginRejection.stillChanging(seconds: 0).code }) { dirty = true }
                for warning in report.warnings where !warned.contains(warning) { logger.warning("\(warning)") }
                warned = Set(report.warnings)
                logger.info(
                    "rescan done",
                    metadata: ["loaded": "\(report.loaded.count)", "rejected": "\(report.rejected.count)", "removed": "\(report.removed.count)"])
            }
        }
    }

    /// True if the events in `bytes` say the directory watched by `watch` went away (removed or moved).
    private static func containsSelfRemoval(_ bytes: ArraySlice<UInt8>, of watch: Int32) -> Bool {
        // struct inotify_event { int wd; uint32_t mask; uint32_t cookie; uint32_t len; char name[len]; }
        var offset = bytes.startIndex
        while offset + 16 <= bytes.endIndex {
            func word(_ at: Int) -> UInt32 {
                UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
            }
            let descriptor = Int32(bitPattern: word(offset))
            let mask = word(offset + 4)
            let length = Int(word(offset + 12))
            if descriptor == watch, mask & (deletedSelf | movedSelf | ignored) != 0 { return true }
            offset += 16 + length
        }
        return false
    }
}

/// The plugins directory cannot be watched.
public struct WatchError: Error, Sendable, CustomStringConvertible {
    /// The directory.
    public let directory: String
    /// The system's reason.
    public let reason: String
    /// For people.
    public var description: String { "cannot watch plugins directory \(directory): \(reason); new plugins load only when a rescan is asked for" }
}
