import Foundation
import TaskHost

struct StorageFigure: Encodable {
    let name = "storage"
    let tasks: Int
    let fillSeconds: Double
    /// Milliseconds, median of 20 reads each.
    let listFirstPageMs: Double
    let listByStatusMs: Double
    let listByTypeMs: Double
    let listByTagMs: Double
    let countsMs: Double
    /// Median of 3 starts of a manager over the full database (10,000 of the tasks pending).
    let startupRecoveryMs: Double
    let pruned: Int
    let pruneSeconds: Double
    /// Submits at 1,000/s while the prune runs, milliseconds.
    let submitDuringPrune: Percentiles
    let machine: String
}

/// `taskhost-figures storage [N]`: N tasks in the database (97% finished), then the reads the CLI
/// and dashboard make, start-up recovery, and pruning every finished task while submitting at 1,000/s.
func storage(tasks count: Int) throws {
    let scratch = try Scratch(label: "storage")
    defer { scratch.remove() }
    scratch.loader.scan()
    let database = scratch.database
    // Create the schema through the store, then fill it with one SQL statement (through the same triggers).
    do { try TaskStore(path: database).close() }
    let fillStart = ContinuousClock.now
    let now = Date().timeIntervalSince1970
    run("""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(count))
        INSERT INTO tasks (id, type, status, priority, parameters, tags, backoff_base, backoff_factor, backoff_cap,
            created_at, updated_at, finished_at, run_at)
        SELECT printf('%016x%016x', (i * 2654435761) % 4294967296, i),
            CASE WHEN i % 10 = 0 THEN 'other' ELSE 'sleep' END,
            CASE i % 100 WHEN 1 THEN 'failed' WHEN 2 THEN 'pending' WHEN 3 THEN 'stopped' ELSE 'finished' END,
            0, '{"seconds":1}',
            CASE WHEN i % 1000 = 0 THEN '{"rare":"yes","team":"a"}' ELSE '{"team":"' || char(97 + i % 3) || '"}' END,
            1, 2, 300, \(now - 172_800) + i * 0.001, \(now - 86_400), CASE WHEN i % 100 = 2 THEN NULL ELSE \(now - 86_400) END,
            CASE WHEN i % 100 = 2 THEN \(now + 31_536_000) ELSE NULL END
        FROM n;
        """, on: database)
    let fillSeconds = seconds(ContinuousClock.now - fillStart)

    var startups: [Double] = []
    for _ in 0..<3 {
        let store = try TaskStore(path: database)
        let manager = TaskManager(store: store, registry: scratch.loader.registry, logger: scratch.logger)
        let start = ContinuousClock.now
        try manager.start()
        startups.append(seconds(ContinuousClock.now - start) * 1000)
        manager.shutdown(grace: .seconds(1))
    }

    let store = try TaskStore(path: database)
    let manager = TaskManager(store: store, registry: scratch.loader.registry, logger: scratch.logger)
    try manager.start()
    func median(_ read: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<20 {
            let start = ContinuousClock.now
            try read()
            times.append(seconds(ContinuousClock.now - start) * 1000)
        }
        return times.sorted()[times.count / 2]
    }
    let firstPage = try median { _ = try store.list(TaskFilter(limit: 50)) }
    let byStatus = try median { _ = try store.list(TaskFilter(statuses: [.failed], limit: 50)) }
    let byType = try median { _ = try store.list(TaskFilter(type: "other", limit: 50)) }
    let byTag = try median { _ = try store.list(TaskFilter(tags: ["rare": "yes"], limit: 50)) }
    let counts = try median { _ = try store.countsByStatus() }

    // Prune while a submitter adds one task per millisecond and times each submit.
    let latencies = LatencyLog()
    let pruning = Atomic(true)
    let submitter = Thread {
        var next = ContinuousClock.now
        while pruning.isSet {
            let start = ContinuousClock.now
            _ = try? manager.submit(type: "sleep", parameters: [:], options: SubmitOptions(delaySeconds: 86_400))
            latencies.append(seconds(ContinuousClock.now - start) * 1000)
            next = next + .milliseconds(1)
            let wait = ContinuousClock.now.duration(to: next)
            if wait > .zero { Thread.sleep(forTimeInterval: seconds(wait)) }
        }
    }
    submitter.start()
    let pruneStart = ContinuousClock.now
    let pruned = try manager.prune(olderThan: Date(), actor: "figures")
    let pruneSeconds = seconds(ContinuousClock.now - pruneStart)
    pruning.clear()
    Thread.sleep(forTimeInterval: 0.05)
    manager.shutdown(grace: .seconds(1))

    try printFigure(
        StorageFigure(
            tasks: count, fillSeconds: fillSeconds, listFirstPageMs: firstPage, listByStatusMs: byStatus, listByTypeMs: byType,
            listByTagMs: byTag, countsMs: counts, startupRecoveryMs: startups.sorted()[1], pruned: pruned, pruneSeconds: pruneSeconds,
            submitDuringPrune: Percentiles(latencies.values), machine: machineDescription()))
}

/// Latencies appended by one thread, read after it stopped.
final class LatencyLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Double] = []
    func append(_ value: Double) { lock.withLock { storage.append(value) } }
    var values: [Double] { lock.withLock { storage } }
}

/// A flag shared between threads.
final class Atomic: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Bool
    init(_ value: Bool) { self.value = value }
    var isSet: Bool { lock.withLock { value } }
    func clear() { lock.withLock { value = false } }
}
