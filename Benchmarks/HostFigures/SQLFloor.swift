import Foundation
import Synchronization
import TaskHost

struct SQLFloorFigure: Encodable {
    let name = "sql-floor"
    /// W1's SQL with no host around it: `tasks` submits committed one at a time (each before the
    /// next), their ends committed in rounds after 2 ms (with the next submit, as taskhost's group
    /// commit does, or by another thread), taskhost's schema, statements and checkpoint policy. What a host with no overhead of its own would reach on this disk.
    let w1Tasks: Int
    let w1TasksPerSecond: Double
    let w1SubmitMicroseconds: Percentiles
    /// CPU of the whole process over the W1 floor run (user + system).
    let w1CPUSeconds: Double
    let w1Checkpoints: Int
    let w1InlineCheckpoints: Int
    /// The same with every round of ends committed by a thread of their own, never with a submit.
    let w1SeparateEndsTasksPerSecond: Double
    /// W2's SQL: 1,000 submits at 200/s, each committed, then a parked thread woken to run it:
    /// submit -> committed, and submit -> that thread running (W2's enqueue -> start with no host).
    let w2CommitMilliseconds: Percentiles
    let w2StartMilliseconds: Percentiles
    let w2InlineCheckpoints: Int
    /// Batch: `batchRows` new rows 10,000 per transaction into a fresh store (random ids, every index).
    let batchRows: Int
    let batchRowsPerSecond: Double
    let machine: String
}

/// `taskhost-figures sql-floor [N]`: the throughput issue's workloads as bare SQL on this machine.
func sqlFloor(tasks count: Int) throws {
    let scratch = try Scratch(label: "sql-floor", plugins: [])
    defer { scratch.remove() }
    let w1 = try floorW1(path: scratch.home.appendingPathComponent("w1.db").path, tasks: count)
    let separate = try floorW1(path: scratch.home.appendingPathComponent("w1-separate.db").path, tasks: count, mergeDueEnds: false)
    let w2 = try floorW2(path: scratch.home.appendingPathComponent("w2.db").path, tasks: 1000, rate: 200)
    let batchRows = max(10_000, count * 10)
    let batch = try floorBatch(path: scratch.home.appendingPathComponent("batch.db").path, rows: batchRows)
    try printFigure(
        SQLFloorFigure(
            w1Tasks: count, w1TasksPerSecond: w1.rate, w1SubmitMicroseconds: Percentiles(w1.submits), w1CPUSeconds: w1.cpu,
            w1Checkpoints: w1.passes, w1InlineCheckpoints: w1.inline, w1SeparateEndsTasksPerSecond: separate.rate, w2CommitMilliseconds: Percentiles(w2.commits),
            w2StartMilliseconds: Percentiles(w2.starts), w2InlineCheckpoints: w2.inline, batchRows: batchRows, batchRowsPerSecond: batch, machine: machineDescription()))
}

/// A store's schema, made by the store itself, opened raw as taskhost's writer is configured
/// (`TASKHOST_DURABILITY=power`: synchronous=FULL, as the `swift-power` peer runs).
private func floorDatabase(_ path: String) throws -> RawConnection {
    try TaskStore(path: path).close()
    let connection = try RawConnection(path: path)
    // The busy timeout first: the store's threads may still hold a lock for a moment after close
    // (CI once met "database is locked" here). The store left the file in WAL mode.
    try connection.exec("PRAGMA busy_timeout = 5000; PRAGMA synchronous = \(floorSynchronous); PRAGMA cache_size = -32768")
    guard try connection.text("PRAGMA journal_mode") == "wal" else { throw FigureError("\(path) is not in WAL mode") }
    return connection
}

/// What a W1 or W2 floor run writes with: the raw writer (behind `writer`, as taskhost's one
/// connection), its checkpointer, the statements and the tasks' ids.
private struct FloorRig {
    let connection: RawConnection
    let checkpointer: RawCheckpointer
    let statements: FloorStatements
    let writer = NSLock()
    let ids: [String]

    init(path: String, tasks count: Int) throws {
        connection = try floorDatabase(path)
        checkpointer = try RawCheckpointer(path: path, writer: connection)
        do { statements = try FloorStatements(connection) } catch {
            checkpointer.stop()
            throw error
        }
        ids = randomTaskIDs(count)
    }
}

let floorSynchronous = ProcessInfo.processInfo.environment["TASKHOST_DURABILITY"] == "power" ? "FULL" : "NORMAL"

/// Ends waiting for their round: how many were submitted, how many ended, when the oldest waiting was queued.
private final class EndQueue: @unchecked Sendable {
    // Touched only with `condition` locked.
    let condition = NSCondition()
    var submitted = 0
    var ended = 0
    var oldest = ContinuousClock.now
    var failure: String?
    let linger = Duration.milliseconds(2)

    /// The ends due now (they lingered 2 ms), taken; empty if none. Called with `condition` locked.
    func takeDue(now: ContinuousClock.Instant) -> Range<Int> {
        guard submitted > ended, now >= oldest + linger else { return ended..<ended }
        defer {
            ended = submitted
            oldest = now
        }
        return ended..<submitted
    }
}

/// The instant a woken thread ran, and which task it was given.
private final class WakeNote: Sendable {
    let state = Mutex<(ran: ContinuousClock.Instant, task: Int)>((.now, 0))
}

/// W1 as bare SQL. `mergeDueEnds`: the submitter commits the ends that are due with its own row,
/// as taskhost's group commit does (its leader takes every due write); otherwise a thread of
/// their own commits them, waiting for the writer as taskhost's background thread does.
private func floorW1(path: String, tasks count: Int, mergeDueEnds: Bool = true) throws
    -> (rate: Double, submits: [Double], cpu: Double, passes: Int, inline: Int)
{
    let rig = try FloorRig(path: path, tasks: count)
    defer { rig.checkpointer.stop() }
    let (checkpointer, statements, writer, ids) = (rig.checkpointer, rig.statements, rig.writer, rig.ids)
    let queue = EndQueue()
    let endsDone = DispatchSemaphore(value: 0)
    let cpuBefore = processCPUSeconds()
    Thread {
        queue.condition.lock()
        while queue.ended < count && queue.failure == nil {
            if queue.submitted == queue.ended {
                queue.condition.wait()
                continue
            }
            let dueAt = queue.oldest + queue.linger
            if ContinuousClock.now < dueAt {
                _ = queue.condition.wait(until: Date(timeIntervalSinceNow: seconds(ContinuousClock.now.duration(to: dueAt))))
                continue
            }
            queue.condition.unlock()
            writer.lock()
            queue.condition.lock()
            let due = queue.takeDue(now: .now)
            queue.condition.unlock()
            if !due.isEmpty {
                do { try statements.finish(ids[due]) } catch {
                    queue.condition.lock()
                    queue.failure = "\(error)"
                    queue.condition.unlock()
                }
            }
            writer.unlock()
            queue.condition.lock()
        }
        queue.condition.unlock()
        endsDone.signal()
    }.start()
    var submits: [Double] = []
    submits.reserveCapacity(count)
    let started = ContinuousClock.now
    for index in 0..<count {
        let submitted = ContinuousClock.now
        writer.lock()
        do {
            defer { writer.unlock() }
            queue.condition.lock()
            let due = mergeDueEnds ? queue.takeDue(now: submitted) : 0..<0
            queue.condition.unlock()
            try statements.submit(id: ids[index], index: index, running: true, withEnds: ids[due])
        }
        queue.condition.lock()
        if queue.submitted == queue.ended { queue.oldest = .now }
        queue.submitted = index + 1
        queue.condition.signal()
        queue.condition.unlock()
        submits.append(seconds(ContinuousClock.now - submitted) * 1e6)
    }
    endsDone.wait()
    let elapsed = seconds(ContinuousClock.now - started)
    let cpu = processCPUSeconds() - cpuBefore
    queue.condition.lock()
    let failure = queue.failure
    queue.condition.unlock()
    if let failure { throw FigureError("ends: \(failure)") }
    return (Double(count) / elapsed, submits, cpu, checkpointer.passes, checkpointer.inlinePasses)
}

private func floorW2(path: String, tasks count: Int, rate: Double) throws -> (commits: [Double], starts: [Double], inline: Int) {
    let rig = try FloorRig(path: path, tasks: count)
    defer { rig.checkpointer.stop() }
    let (checkpointer, statements, writer, ids) = (rig.checkpointer, rig.statements, rig.writer, rig.ids)
    // One parked thread runs each task: woken after the commit, it notes when it ran, then ends the task 2 ms later.
    let go = DispatchSemaphore(value: 0)
    let ran = WakeNote()
    let ranSignal = DispatchSemaphore(value: 0)
    let workerDone = DispatchSemaphore(value: 0)
    Thread {
        for _ in 0..<count {
            go.wait()
            let index = ran.state.withLock {
                $0.ran = .now
                return $0.task
            }
            ranSignal.signal()
            usleep(2000)
            writer.lock()
            try? statements.finish(ids[index...index])
            writer.unlock()
        }
        workerDone.signal()
    }.start()
    var commits: [Double] = []
    var starts: [Double] = []
    let interval = 1.0 / rate
    let started = ContinuousClock.now
    for index in 0..<count {
        let due = started + .seconds(interval * Double(index))
        let wait = seconds(ContinuousClock.now.duration(to: due))
        if wait > 0 { usleep(UInt32(wait * 1e6)) }
        let submitted = ContinuousClock.now
        writer.lock()
        do {
            defer { writer.unlock() }
            try statements.submit(id: ids[index], index: index, running: true)
        }
        commits.append(seconds(ContinuousClock.now - submitted) * 1e3)
        ran.state.withLock { $0.task = index }
        go.signal()
        ranSignal.wait()
        starts.append(seconds(ran.state.withLock { $0.ran } - submitted) * 1e3)
    }
    workerDone.wait()
    return (commits, starts, checkpointer.inlinePasses)
}

private func floorBatch(path: String, rows: Int) throws -> Double {
    let connection = try floorDatabase(path)
    let checkpointer = try RawCheckpointer(path: path, writer: connection)
    defer { checkpointer.stop() }
    let statements = try FloorStatements(connection)
    let ids = randomTaskIDs(rows)
    let started = ContinuousClock.now
    for start in stride(from: 0, to: rows, by: 10_000) { try statements.submit(batch: ids[start..<min(rows, start + 10_000)]) }
    return Double(rows) / seconds(ContinuousClock.now - started)
}

/// User + system CPU of this process so far, in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func value(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return value(usage.ru_utime) + value(usage.ru_stime)
}
