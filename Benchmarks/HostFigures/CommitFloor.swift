import CSQLite
import Foundation
import Synchronization
import TaskHost

struct CommitFloorFigure: Encodable {
    let name = "commit-floor"
    /// Commits (or submits) measured per figure.
    let commits: Int
    /// Bare SQLite on this disk: one prepared one-row insert + commit (WAL, synchronous=NORMAL, default autocheckpoint).
    let bareInsertCommitMicroseconds: Double
    /// WAL frames (pages) written per bare commit.
    let bareFramesPerCommit: Double
    /// The same, with three secondary indexes on the table (what a task row carries: id, status, type).
    let indexedInsertCommitMicroseconds: Double
    let indexedFramesPerCommit: Double
    /// `TaskManager.submit` of a task that does not start (delay 1 day): durable, one at a time.
    let submitMicroseconds: Double
    /// W1 in the process: submit-and-run of no-op tasks one at a time, 4 slots, until all finished.
    let endToEndTasksPerSecond: Double
    let machine: String
}

/// `taskhost-figures commit-floor [N]`: how far a durable submit is from SQLite's own commit on this disk.
func commitFloor(commits count: Int) throws {
    let scratch = try Scratch(label: "floor", plugins: ["BenchPlugin"])
    defer { scratch.remove() }
    scratch.loader.scan()
    let bare = try bareCommits(path: scratch.home.appendingPathComponent("bare.sqlite").path, count: count, indexes: 0)
    let indexed = try bareCommits(path: scratch.home.appendingPathComponent("indexed.sqlite").path, count: count, indexes: 3)

    let manager = TaskManager(
        store: try TaskStore(path: scratch.database), registry: scratch.loader.registry,
        configuration: TaskManagerConfiguration(maxRunning: 4), logger: scratch.logger)
    try manager.start()
    defer { manager.shutdown(grace: .seconds(5)) }
    let later = SubmitOptions(delaySeconds: 86_400)
    var started = ContinuousClock.now
    for index in 0..<count { _ = try manager.submit(type: "noop", parameters: ["i": .int(Int64(index))], options: later) }
    let submit = seconds(ContinuousClock.now - started) / Double(count) * 1e6

    let finished = FinishedCount()
    manager.observeEvents { event in
        if case .status(_, .finished, _) = event { finished.count.add(1, ordering: .relaxed) }
    }
    started = ContinuousClock.now
    for index in 0..<count { _ = try manager.submit(type: "noop", parameters: ["i": .int(Int64(index))]) }
    while finished.count.load(ordering: .relaxed) < count { usleep(200) }
    let endToEnd = Double(count) / seconds(ContinuousClock.now - started)

    try printFigure(
        CommitFloorFigure(
            commits: count, bareInsertCommitMicroseconds: bare.microseconds, bareFramesPerCommit: bare.frames,
            indexedInsertCommitMicroseconds: indexed.microseconds, indexedFramesPerCommit: indexed.frames,
            submitMicroseconds: submit, endToEndTasksPerSecond: endToEnd, machine: machineDescription()))
}

private final class FinishedCount: Sendable {
    let count = Synchronization.Atomic<Int>(0)
}

/// Counts WAL frames written through a connection's WAL hook.
private final class FrameCounter {
    var frames = 0
    var last = 0
}

/// `count` one-row insert+commits on a fresh WAL database with `indexes` secondary indexes (random keys for the first, like task ids).
private func bareCommits(path: String, count: Int, indexes: Int) throws -> (microseconds: Double, frames: Double) {
    var handle: OpaquePointer?
    guard sqlite3_open(path, &handle) == SQLITE_OK, let db = handle else { throw FigureError("cannot open \(path)") }
    defer { sqlite3_close_v2(db) }
    func exec(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw FigureError("\(sql): \(String(cString: sqlite3_errmsg(db)))") }
    }
    try exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
    let columns = (0..<indexes).map { "k\($0) TEXT" }
    try exec("CREATE TABLE t (seq INTEGER PRIMARY KEY, v TEXT\(columns.map { ", " + $0 }.joined()))")
    for index in 0..<indexes { try exec("CREATE INDEX t_k\(index) ON t (k\(index))") }
    let counter = FrameCounter()
    sqlite3_wal_hook(db, { context, database, _, pages in
        guard let context else { return SQLITE_OK }
        let counter = Unmanaged<FrameCounter>.fromOpaque(context).takeUnretainedValue()
        // A WAL that started over after a checkpoint counts from zero again.
        counter.frames += Int(pages) >= counter.last ? Int(pages) - counter.last : Int(pages)
        counter.last = Int(pages)
        // The automatic checkpoint this hook replaces, at SQLite's default of 1,000 pages.
        if pages >= 1000 {
            _ = sqlite3_wal_checkpoint_v2(database, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
        return SQLITE_OK
    }, Unmanaged.passUnretained(counter).toOpaque())
    let placeholders = String(repeating: ", ?", count: indexes)
    let names = (0..<indexes).map { ", k\($0)" }.joined()
    var statements: [OpaquePointer?] = [nil, nil, nil]
    for (slot, sql) in ["BEGIN IMMEDIATE", "INSERT INTO t (v\(names)) VALUES (?\(placeholders))", "COMMIT"].enumerated() {
        guard sqlite3_prepare_v2(db, sql, -1, &statements[slot], nil) == SQLITE_OK else { throw FigureError("prepare \(sql)") }
    }
    defer { statements.forEach { sqlite3_finalize($0) } }
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    let payload = String(repeating: "x", count: 200)
    let framesBefore = counter.frames
    let started = ContinuousClock.now
    for row in 0..<count {
        let keys = [UUID().uuidString, "running", "noop\(row % 4)"]
        for statement in statements {
            sqlite3_reset(statement)
            if statement == statements[1] {
                sqlite3_bind_text(statement, 1, payload, -1, transient)
                for index in 0..<indexes { sqlite3_bind_text(statement, Int32(index + 2), keys[index % keys.count], -1, transient) }
            }
            guard sqlite3_step(statement) == SQLITE_DONE else { throw FigureError("step: \(String(cString: sqlite3_errmsg(db)))") }
        }
    }
    let elapsed = seconds(ContinuousClock.now - started)
    return (elapsed / Double(count) * 1e6, Double(counter.frames - framesBefore) / Double(count))
}
