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

    /// Creates a watcher; call `start()` to begin.
    public init(loader: PluginLoader, settle: Duration = .milliseconds(150), logger: Logger) {
        self.loader = loader
        self.settle = settle
        self.logger = logger
    }

    /// Starts watching on a dedicated thread; throws if inotify cannot watch the directory.
    public func start() throws {
        let directory = loader.configuration.pluginsDirectory.path
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw WatchError(directory: directory, reason: String(cString: strerror(errno))) }
        let mask = Self.closedAfterWrite | Self.movedTo | Self.movedFrom | Self.created | Self.deleted | Self.attributes
            | Self.modified
        guard inotify_add_watch(fd, directory, mask) >= 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw WatchError(directory: directory, reason: reason)
        }
        running.store(true, ordering: .sequentiallyConsistent)
        let thread = Thread { [self] in
            watch(fd: fd)
            close(fd)
            finished.signal()
        }
        thread.name = "taskhost-plugin-watcher"
        thread.start()
        logger.info("watching plugins directory", metadata: ["directory": "\(directory)"])
    }

    /// Stops watching and waits for the watcher thread to end (at most one poll interval).
    public func stop() {
        guard running.exchange(false, ordering: .sequentiallyConsistent) else { return }
        finished.wait()
    }

    private func watch(fd: Int32) {
        let settleMilliseconds = Int32(settle.components.seconds * 1000 + settle.components.attoseconds / 1_000_000_000_000_000)
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var dirty = false
        while running.load(ordering: .sequentiallyConsistent) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, dirty ? settleMilliseconds : 200)
            if ready > 0 {
                while read(fd, &buffer, buffer.count) > 0 {}
                dirty = true
            } else if ready == 0 && dirty {
                dirty = false
                logger.info("plugins directory changed; rescanning")
                let report = loader.scan()
                // A file still being written is looked at again once the directory is quiet.
                if report.rejected.contains(where: { $0.code == PluginRejection.stillChanging(seconds: 0).code }) { dirty = true }
                logger.info(
                    "rescan done",
                    metadata: ["loaded": "\(report.loaded.count)", "rejected": "\(report.rejected.count)", "removed": "\(report.removed.count)"])
            }
        }
    }
}

/// The plugins directory cannot be watched.
public struct WatchError: Error, Sendable, CustomStringConvertible {
    /// The directory.
    public let directory: String
    /// The system's reason.
    public let reason: String
    /// For people.
    public var description: String { "cannot watch plugins directory \(directory): \(reason); new plugins need `taskhost plugins rescan`" }
}
