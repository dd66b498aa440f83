import Foundation
import Synchronization
import TaskHost

struct SQLFloorFigure: Encodable {
    let name = "sql-floor"
    /// W1's SQL with no host around it: `tasks` submits committed one at a time (each before the
    /// next), their ends committed by another thread in rounds every 2 ms, taskhost's schema and
    /// checkpoint policy. What a host with no overhead of its own would reach on this disk.
    let w1Tasks: Int
    let w1TasksPerSecond: Double
    let w1SubmitMicroseconds: Percentiles
    /// CPU of the whole process over the W1 floor run (user + system).
    let w1CPUSeconds: Double
    let w1Checkpoints: Int
    let w1InlineCheckpoints: Int
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
    let w2 = try floorW2(path: scratch.home.appendingPathComponent("w2.db").path, tasks: 1000, rate: 200)
    let batchRows = max(10_000, count * 10)
    let batch = try floorBatch(path: scratch.home.appendingPathComponent("batch.db").path, rows: batchRows)
    try printFigure(
        SQLFloorFigure(
            w1Tasks: count, w1TasksPerSecond: w1.rate, w1SubmitMicroseconds: Percentiles(w1.submits), w1CPUSeconds: w1.cpu,
            w1Checkpoints: w1.passes, w1InlineCheckpoints: w1.inline, w2CommitMilliseconds: Percentiles(w2.commits),
            w2StartMilliseconds: Percentiles(w2.starts), w2InlineCheckpoints: w2.inline, batchRows: batchRows, batchRowsPerSecond: batch, machine: machineDescription()))
}

/// A store's schema, made by the store itself, opened raw as taskhost's writer is configured.
private func floorDatabase(_ path: String) throws -> RawConnection {
    try TaskStore(path: path).close()
    let connection = try RawConnection(path: path)
    try connection.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -32768")
    return connection
}

/// Ends waiting for their round: how many were submitted, how many ended, when the oldest waiting was queued.
private final class EndQueue: Sendable {
    struct State {
        var submitted = 0
        var ended = 0
        var oldest = ContinuousClock.now
        var failure: String?
    }
    let state = Mutex(State())
}

/// The instant a woken thread ran, and which task it was given.
private final class WakeNote: Sendable {
    let state = Mutex<(ran: ContinuousClock.Instant, task: Int)>((.now, 0))
}

private func floorW1(path: String, tasks count: Int) throws -> (rate: Double, submits: [Double], cpu: Double, passes: Int, inline: Int) {
    let connection = try floorDatabase(path)
    let checkpointer = try RawCheckpointer(path: path, writer: connection)
    let statements = try FloorStatements(connection)
    let writer = NSLock()
    let ids = randomTaskIDs(count)
    let queue = EndQueue()
    let linger = Duration.milliseconds(2)
    let endsDone = DispatchSemaphore(value: 0)
    let cpuBefore = processCPUSeconds()
    Thread {
        while true {
            let (from, to, oldest) = queue.state.withLock { ($0.ended, $0.submitted, $0.oldest) }
            if from == count { break }
            if to == from || ContinuousClock.now < oldest + linger {
                usleep(200)
                continue
            }
            writer.lock()
            do { try statements.finish(ids[from..<to]) } catch { queue.state.withLock { $0.failure = "\(error)" } }
            writer.unlock()
            queue.state.withLock {
                $0.ended = to
                $0.oldest = .now
            }
        }
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
            try statements.submit(id: ids[index], index: index, running: true)
        }
        queue.state.withLock {
            if $0.submitted == $0.ended { $0.oldest = .now }
            $0.submitted = index + 1
        }
        submits.append(seconds(ContinuousClock.now - submitted) * 1e6)
    }
    endsDone.wait()
    let elapsed = seconds(ContinuousClock.now - started)
    let cpu = processCPUSeconds() - cpuBefore
    checkpointer.stop()
    if let failure = queue.state.withLock({ $0.failure }) { throw FigureError("ends: \(failure)") }
    return (Double(count) / elapsed, submits, cpu, checkpointer.passes, checkpointer.inlinePasses)
}

private func floorW2(path: String, tasks count: Int, rate: Double) throws -> (commits: [Double], starts: [Double], inline: Int) {
    let connection = try floorDatabase(path)
    let checkpointer = try RawCheckpointer(path: path, writer: connection)
    let statements = try FloorStatements(connection)
    let writer = NSLock()
    let ids = randomTaskIDs(count)
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
    checkpointer.stop()
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
