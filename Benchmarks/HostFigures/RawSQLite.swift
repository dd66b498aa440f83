import CSQLite
import Foundation

/// SQLite's C API and nothing of taskhost around it: what the floor figures measure with.
final class RawConnection: @unchecked Sendable {
    let handle: OpaquePointer

    init(path: String) throws {
        var opened: OpaquePointer?
        guard sqlite3_open(path, &opened) == SQLITE_OK, let opened else { throw FigureError("cannot open \(path)") }
        handle = opened
    }

    deinit { sqlite3_close_v2(handle) }

    func exec(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw FigureError("\(sql.prefix(60)): \(String(cString: sqlite3_errmsg(handle)))")
        }
    }

    /// The first column of the first row of `sql`, as text.
    func text(_ sql: String) throws -> String? {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw FigureError("prepare \(sql.prefix(60)): \(String(cString: sqlite3_errmsg(handle)))")
        }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) else { return nil }
        return String(cString: text)
    }

    func prepare(_ sql: String) throws -> RawStatement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw FigureError("prepare \(sql.prefix(60)): \(String(cString: sqlite3_errmsg(handle)))")
        }
        return RawStatement(handle: statement, connection: handle)
    }
}

/// A prepared statement, bound by position and run to completion.
final class RawStatement: @unchecked Sendable {
    private let handle: OpaquePointer
    private let connection: OpaquePointer
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(handle: OpaquePointer, connection: OpaquePointer) {
        self.handle = handle
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    func bind(_ index: Int32, _ text: String) { sqlite3_bind_text(handle, index, text, -1, Self.transient) }
    func bind(_ index: Int32, _ real: Double) { sqlite3_bind_double(handle, index, real) }
    func bind(_ index: Int32, _ integer: Int64) { sqlite3_bind_int64(handle, index, integer) }
    func bindNull(_ index: Int32) { sqlite3_bind_null(handle, index) }

    /// Steps to the end and resets (bindings are kept for the next run).
    func run() throws {
        defer { sqlite3_reset(handle) }
        var status = sqlite3_step(handle)
        while status == SQLITE_ROW { status = sqlite3_step(handle) }
        guard status == SQLITE_DONE else { throw FigureError("step: \(String(cString: sqlite3_errmsg(connection)))") }
    }
}

/// taskhost's checkpoint policy on raw connections: passive passes on a connection of their own
/// every `threshold` WAL pages (chasing a tail left by a pass while the WAL stays quiet), FULL
/// inline on the writer past four times that.
final class RawCheckpointer: @unchecked Sendable {
    private let condition = NSCondition()
    private var walPages = 0
    private var checkpointedAt = 0
    private var busy = false
    private var stopping = false
    private var tailLeft = false
    private var tailBudget = 0
    private var passCount = 0
    private var inlineCount = 0
    private let threshold: Int
    private let connection: RawConnection
    private let writer: RawConnection
    private let done = DispatchSemaphore(value: 0)

    init(path: String, writer: RawConnection, threshold: Int = 1000) throws {
        self.threshold = threshold
        self.writer = writer
        connection = try RawConnection(path: path)
        try connection.exec("PRAGMA busy_timeout = 5000; PRAGMA synchronous = \(floorSynchronous)")
        try writer.exec("PRAGMA wal_autocheckpoint = 0")
        sqlite3_wal_hook(writer.handle, { context, database, _, pages in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<RawCheckpointer>.fromOpaque(context).takeUnretainedValue()
            if checkpointer.walGrew(to: Int(pages)), let database {
                sqlite3_busy_timeout(database, 20)
                _ = sqlite3_wal_checkpoint_v2(database, nil, SQLITE_CHECKPOINT_FULL, nil, nil)
                sqlite3_busy_timeout(database, 5000)
                checkpointer.inlineEnded()
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
        Thread { [self] in loop() }.start()
    }

    /// Background passes so far.
    var passes: Int {
        condition.lock()
        defer { condition.unlock() }
        return passCount
    }

    /// Inline (writer) checkpoints so far.
    var inlinePasses: Int {
        condition.lock()
        defer { condition.unlock() }
        return inlineCount
    }

    /// Ends the passes and takes the hook off the writer (call it once the writer is done).
    func stop() {
        sqlite3_wal_hook(writer.handle, nil, nil)
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        done.wait()
    }

    private func walGrew(to pages: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if pages < checkpointedAt { checkpointedAt = 0 }
        walPages = pages
        guard pages >= checkpointedAt + threshold else { return false }
        guard pages >= threshold * 4 else {
            condition.broadcast()
            return false
        }
        while busy { condition.wait() }
        busy = true
        checkpointedAt = pages
        return true
    }

    private func inlineEnded() {
        condition.lock()
        inlineCount += 1
        busy = false
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        while !stopping {
            let due = !busy && walPages >= checkpointedAt + threshold
            let tailDue = !busy && tailLeft && !due
            if !due && !tailDue {
                condition.wait()
                continue
            }
            if tailDue {
                // The tail is copied once the WAL stayed quiet 10 ms; a busy WAL waits for the threshold.
                if condition.wait(until: Date(timeIntervalSinceNow: 0.01)) || busy || walPages >= checkpointedAt + threshold { continue }
                if walPages - checkpointedAt > max(threshold / 8, 64) {
                    tailLeft = false
                    continue
                }
            }
            tailBudget = tailDue ? tailBudget - 1 : 8
            checkpointedAt = walPages
            busy = true
            passCount += 1
            condition.unlock()
            var frames: Int32 = 0
            var copied: Int32 = 0
            let status = sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied)
            condition.lock()
            busy = false
            tailLeft = status == SQLITE_OK && copied < walPages && tailBudget > 0
            condition.broadcast()
        }
        condition.unlock()
        done.signal()
    }
}
