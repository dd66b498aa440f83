import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import TaskHost

/// Runs the task manager and the plugin watcher; on graceful shutdown asks running tasks to
/// unwind within the grace period and closes the store. Last to shut down.
struct ManagerService: Service {
    let manager: TaskManager
    let watcher: PluginDirectoryWatcher?
    let grace: Duration
    let retentionSeconds: Double?
    let logger: Logger

    func run() async throws {
        // Returns when graceful shutdown starts (the loop is cancelled then).
        await cancelWhenGracefulShutdown { await pruneUntilShutdown() }
        logger.info("shutting down: asking running tasks to stop at their next checkpoint", metadata: ["grace": "\(grace)"])
        watcher?.stop()
        let manager = manager, grace = grace
        try? await NIOThreadPool.singleton.runIfActive { manager.shutdown(grace: grace) }
        logger.info("task manager stopped; state saved")
    }

    /// Applies the retention setting every ten minutes until shutdown.
    private func pruneUntilShutdown() async {
        while !Task.isCancelled {
            if let retentionSeconds {
                let manager = manager
                let cutoff = Date().addingTimeInterval(-retentionSeconds)
                if let deleted = try? await NIOThreadPool.singleton.runIfActive({ try manager.prune(olderThan: cutoff, actor: "retention") }),
                    deleted > 0
                {
                    logger.info("retention pruned old tasks", metadata: ["deleted": "\(deleted)"])
                }
            }
            do { try await Task.sleep(for: .seconds(600)) } catch { return }
        }
    }
}

/// First to shut down: ends live event and log streams so open connections cannot hold the
/// HTTP servers (and so the process) open.
struct StreamCloserService: Service {
    let manager: TaskManager

    func run() async throws {
        try? await gracefulShutdown()
        manager.endEventStreams()
    }
}

/// Feeds the metrics from the manager's events.
struct MetricsService: Service {
    let metrics: HostMetrics

    func run() async throws {
        // The event stream ends at the start of a shutdown; returning before our turn would
        // count as an unexpected exit, so wait for it.
        await metrics.follow()
        try? await gracefulShutdown()
    }
}
