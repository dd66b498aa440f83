import Foundation
import Synchronization
import Testing

@testable import TaskHost

/// The writer's rounds: writes nobody waits for linger and commit together; a waited-for write
/// takes everything queued before it; a new task's insert (independent) may go ahead.
@Suite("Group commit: which writes go in a round")
struct GroupCommitTests {
    /// A real database file with one table, its writer (linger 2 s: nothing unawaited commits
    /// during a test step unless a round takes it), and a second connection to look from outside.
    /// Buffered log lines are flushed into a table of their own.
    final class Fixture {
        let scratch: TemporaryDirectory
        let path: String
        let writer: StoreWriter
        let outside: SQLiteConnection

        init(busyTimeoutMilliseconds: Int? = nil) throws {
            scratch = try TemporaryDirectory("group-commit")
            path = scratch.url.appendingPathComponent("rows.sqlite").path
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE rows (name TEXT NOT NULL); CREATE TABLE logs (message TEXT NOT NULL)")
            if let busyTimeoutMilliseconds { try connection.execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)") }
            writer = StoreWriter(connection: connection, flushInterval: .seconds(60), linger: .seconds(2), logCap: 100) { connection, activity in
                for line in activity.logs { try connection.run("INSERT INTO logs (message) VALUES (?)", [.text(line.message)]) }
            }
            outside = try SQLiteConnection(path: path, readOnly: true)
        }

        deinit { writer.close() }

        static func insert(_ name: String) -> StoreWriter.Write {
            { connection in try connection.run("INSERT INTO rows (name) VALUES (?)", [.text(name)]) }
        }

        /// The rows another connection sees, in insert order.
        func committed() throws -> [String] {
            try outside.query("SELECT name FROM rows ORDER BY rowid") { $0.text(0) }
        }

        /// The log lines another connection sees, in flush order.
        func logs() throws -> [String] {
            try outside.query("SELECT message FROM logs ORDER BY rowid") { $0.text(0) }
        }
    }

    @Test("a write nobody waits for is not committed with the next independent insert; it lingers, then commits")
    func unawaitedWritesLinger() throws {
        let fixture = try Fixture()
        let outcome = fixture.writer.enqueue(Fixture.insert("outcome"))
        let started = ContinuousClock.now
        try fixture.writer.write(Fixture.insert("submit"), independent: true)
        #expect(ContinuousClock.now - started < .seconds(1), "the independent insert waited for the linger")
        #expect(try fixture.committed() == ["submit"])
        #expect(outcome.succeeded == nil)
        // The background thread commits it once it has lingered.
        let deadline = ContinuousClock.now + .seconds(10)
        while outcome.succeeded == nil && ContinuousClock.now < deadline { usleep(10_000) }
        #expect(outcome.succeeded == true)
        #expect(try fixture.committed() == ["submit", "outcome"])
    }

    @Test("a waited-for write that is not independent takes every write queued before it, in order")
    func dependentWriteKeepsOrder() throws {
        let fixture = try Fixture()
        let first = fixture.writer.enqueue(Fixture.insert("first"))
        let second = fixture.writer.enqueue(Fixture.insert("second"))
        try fixture.writer.write(Fixture.insert("control"))
        #expect(first.succeeded == true)
        #expect(second.succeeded == true)
        #expect(try fixture.committed() == ["first", "second", "control"])
    }

    @Test("writes nobody waits for, queued while other threads lead their own commits, are all committed after their linger")
    func noLingeringWriteIsLeftBehind() throws {
        // The background thread is told only of the first lingering write (a submit that waits
        // for its own commit does not wake it): none may be missed however the threads interleave.
        let scratch = try TemporaryDirectory("group-commit-race")
        let path = scratch.url.appendingPathComponent("rows.sqlite").path
        let connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE rows (name TEXT NOT NULL)")
        let writer = StoreWriter(connection: connection, flushInterval: .seconds(60), linger: .milliseconds(20), logCap: 100) { _, _ in }
        defer { writer.close() }
        let tickets = Mutex<[StoreWriter.Ticket]>([])
        let failures = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        for thread in 0..<4 {
            Thread {
                for index in 0..<150 {
                    do { try writer.write(Fixture.insert("submit \(thread).\(index)"), independent: true) } catch { failures.add(1, ordering: .relaxed) }
                    let ticket = writer.enqueue(Fixture.insert("outcome \(thread).\(index)"))
                    tickets.withLock { $0.append(ticket) }
                    if index % 7 == 0 { usleep(300) }
                }
                done.add(1, ordering: .relaxed)
            }.start()
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while done.load(ordering: .relaxed) < 4 && ContinuousClock.now < deadline { usleep(5_000) }
        // Nothing else happens from here: only the background thread can commit what lingers.
        let settled = ContinuousClock.now + .seconds(5)
        while tickets.withLock({ $0.contains { $0.succeeded == nil } }) && ContinuousClock.now < settled { usleep(5_000) }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(tickets.withLock { $0.count } == 600)
        #expect(tickets.withLock { $0.allSatisfy { $0.succeeded == true } })
        let outside = try SQLiteConnection(path: path, readOnly: true)
        #expect(try outside.query("SELECT count(*) FROM rows") { $0.int64(0) } == [1200])
    }

    @Test("waiting on a lingering write commits it at once")
    func waitingCommitsALingeringWrite() throws {
        let fixture = try Fixture()
        let outcome = fixture.writer.enqueue(Fixture.insert("outcome"))
        let started = ContinuousClock.now
        try outcome.wait()
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(try fixture.committed() == ["outcome"])
    }

    @Test("closing the writer commits what still lingers")
    func closeCommitsLingeringWrites() throws {
        let fixture = try Fixture()
        let outcome = fixture.writer.enqueue(Fixture.insert("outcome"))
        fixture.writer.close()
        #expect(outcome.succeeded == true)
        #expect(try fixture.committed() == ["outcome"])
    }

    @Test("a failing write in a round fails alone: the writes beside it commit")
    func failingWriteFailsAlone() throws {
        let fixture = try Fixture()
        let before = fixture.writer.enqueue(Fixture.insert("before"))
        let broken = fixture.writer.enqueue { connection in try connection.run("INSERT INTO missing (name) VALUES ('x')") }
        try fixture.writer.write(Fixture.insert("after"))
        #expect(before.succeeded == true)
        #expect(broken.succeeded == false)
        #expect(try fixture.committed() == ["before", "after"])
    }

    @Test("a write that fails after writing a row leaves nothing of it; the writes beside it commit once, though the round ran twice")
    func partlyWrittenFailureIsUndone() throws {
        struct Refused: Error {}
        let fixture = try Fixture()
        let runs = Mutex<[String: Int]>([:])
        func counted(_ name: String, fails: Bool = false) -> StoreWriter.Write {
            { connection in
                runs.withLock { $0[name, default: 0] += 1 }
                try connection.run("INSERT INTO rows (name) VALUES (?)", [.text(name)])
                if fails { throw Refused() }
            }
        }
        // Without a failure the round runs each write once (no savepoints, one transaction).
        let first = fixture.writer.enqueue(counted("first"))
        try fixture.writer.write(counted("second"))
        #expect(first.succeeded == true)
        #expect(runs.withLock { $0 } == ["first": 1, "second": 1])
        // With one: the round stops at it, is rolled back and runs again, a savepoint around each write.
        let before = fixture.writer.enqueue(counted("before"))
        let partial = fixture.writer.enqueue(counted("partial", fails: true))
        try fixture.writer.write(counted("after"))
        #expect(before.succeeded == true)
        #expect(partial.succeeded == false)
        #expect(try fixture.committed() == ["first", "second", "before", "after"])
        #expect(runs.withLock { $0 } == ["first": 1, "second": 1, "before": 2, "partial": 2, "after": 1])
    }

    @Test("buffered activity flushed by a round that runs again lands once, and a write that threw is not a storage failure")
    func activityOfARoundRunTwiceLandsOnce() throws {
        struct Refused: Error {}
        let fixture = try Fixture()
        fixture.writer.buffer.log("t", .info, "line one")
        let before = fixture.writer.enqueue(Fixture.insert("before"))
        let broken = fixture.writer.enqueue { connection in
            try connection.run("INSERT INTO rows (name) VALUES ('broken')")
            throw Refused()
        }
        try fixture.writer.write(Fixture.insert("after"))
        #expect(before.succeeded == true && broken.succeeded == false)
        #expect(try fixture.committed() == ["before", "after"])
        #expect(try fixture.logs() == ["line one"])
        #expect(fixture.writer.failure == nil)
    }

    @Test("a round that cannot begin (the database locked by another program) fails after one busy timeout, not two; the next round commits")
    func busyRoundFailsOnce() throws {
        let fixture = try Fixture(busyTimeoutMilliseconds: 500)
        let blocker = try SQLiteConnection(path: fixture.path)
        try blocker.execute("BEGIN IMMEDIATE")
        fixture.writer.buffer.log("t", .info, "kept")
        let lingering = fixture.writer.enqueue(Fixture.insert("lingering"))
        let started = ContinuousClock.now
        #expect(throws: TaskHostError.self) { try fixture.writer.write(Fixture.insert("waited")) }
        let took = ContinuousClock.now - started
        #expect(took >= .milliseconds(450) && took < .milliseconds(950), "\(took)")
        #expect(lingering.succeeded == false)
        #expect(fixture.writer.failure != nil)
        try blocker.execute("ROLLBACK")
        try fixture.writer.write(Fixture.insert("after"))
        #expect(fixture.writer.failure == nil)
        #expect(try fixture.committed() == ["after"])
        // The activity of the failed round was given back, and went with the next one.
        #expect(try fixture.logs() == ["kept"])
    }
}

@Suite("A task that starts at once is stored running in its submit's commit")
struct StartAtOnceTests {
    @Test("the row, its open attempt and the counts are right on disk as soon as submit returns")
    func insertedRunning() throws {
        let fixture = try ManagerFixture(maxRunning: 2)
        let id = try fixture.submit("sleep", ["seconds": "30"])
        // Read from the file, not the manager's memory: what a crash right now would leave.
        let stored = try TaskStore(readOnlyPath: fixture.databasePath)
        let row = try stored.record(id)
        #expect(row.status == .running)
        #expect(row.attempt == 1)
        #expect(row.startedAt != nil)
        let attempts = try stored.attempts(id)
        #expect(attempts.count == 1)
        #expect(attempts.first?.attempt == 1 && attempts.first?.endedAt == nil)
        #expect(try stored.countsByStatus() == [.running: 1])
        // A task that must wait for a slot is stored pending and counted so.
        _ = try fixture.submit("sleep", ["seconds": "30"])
        let waiting = try fixture.submit("sleep", ["seconds": "30"])
        #expect(try stored.record(waiting).status == .pending)
        #expect(try stored.countsByStatus() == [.running: 2, .pending: 1])
    }
}
