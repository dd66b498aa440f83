import Foundation
import Testing

@testable import TaskHost

/// Attempts are keyed by the task's seq (migration 8), and the row of an attempt that started
/// with its submit is written by its end: until then readers stand in, and recovery writes it.
@Suite("Attempt rows: keyed by seq, written at the end of a start-at-once attempt")
struct AttemptRowTests {
    @Test("a task that started with its submit has no attempt row until it ends, yet lists its open attempt; its end writes the row whole")
    func missingRowIsStoodInFor() throws {
        let fixture = try ManagerFixture()
        let id = try fixture.submit("sleep", ["seconds": "30"])
        #expect(try fixture.record(id).status == .running)
        Thread.sleep(forTimeInterval: 0.05)  // past the writer's linger: nothing else is on its way
        #expect(try sql(fixture.databasePath, "SELECT count(*) FROM attempts") == "0")
        let open = try fixture.store.attempts(id)
        #expect(open.count == 1 && open.first?.attempt == 1 && open.first?.endedAt == nil, "\(open)")
        _ = try fixture.manager.stop(id)
        _ = try fixture.waitFor(id, .stopped)
        #expect(fixture.eventually { (try? fixture.store.attempts(id).first?.outcome) == "stopped" })
        let ended = try fixture.store.attempts(id)
        #expect(ended.count == 1 && ended.first?.endedAt != nil && ended.first?.startedAt == open.first?.startedAt, "\(ended)")
    }

    @Test("stopping a paused attempt that started with its submit writes its row with the stop, before the thread has unwound")
    func stopOfPausedAttemptWritesTheRow() throws {
        let fixture = try ManagerFixture()
        let id = try fixture.submit("sleep", ["seconds": "30"])
        _ = try fixture.manager.pause(id)
        _ = try fixture.waitFor(id, .paused)
        #expect(try sql(fixture.databasePath, "SELECT count(*) FROM attempts") == "0")
        _ = try fixture.manager.stop(id)
        // Read at once: the attempt's end is still on its way (it lingers), and a `stopped` task
        // has no stand-in; only the row the stop committed can be there. A crash now keeps it.
        let listed = try fixture.store.attempts(id)
        #expect(listed.count == 1 && listed.first?.attempt == 1, "\(listed)")
        #expect(fixture.eventually { (try? fixture.store.attempts(id).first?.outcome) == "stopped" })
    }

    @Test("after a crash, a running task without its attempt row gets one, closed as interrupted")
    func recoveryWritesTheMissingRow() throws {
        let (scratch, path) = try TaskStore.createdInScratch("recover")
        defer { withExtendedLifetime(scratch) {} }
        // What a SIGKILL within the moment between a start-at-once submit's commit and its attempt
        // row's round leaves: the task running its attempt 1, no attempt row.
        _ = try sql(
            path,
            """
            INSERT INTO tasks (id, type, status, parameters, backoff_base, backoff_factor, backoff_cap, created_at, updated_at, attempt, started_at)
                VALUES ('t1', 'sleep', 'running', '{}', 1, 2, 60, 10, 10, 1, 10);
            """)
        let store = try TaskStore(path: path)
        defer { store.close() }
        _ = try store.recoverAfterCrash(.host)
        let attempts = try store.attempts("t1")
        #expect(attempts.count == 1 && attempts.first?.outcome == "interrupted" && attempts.first?.startedAt == Date(timeIntervalSince1970: 10), "\(attempts)")
        #expect(try store.record("t1").status == .interrupted)
    }

    @Test("a version 7 database is migrated: attempts keep their history, keyed by seq; the audit's task index is gone")
    func migrationFromVersion7() throws {
        let scratch = try TemporaryDirectory("migrate")
        let path = scratch.url.appendingPathComponent("taskhost.db").path
        do {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA journal_mode = WAL")
            for migration in StoreSchema.migrations[..<7] { try connection.execute(migration) }
            try connection.execute("PRAGMA application_id = \(StoreSchema.applicationID); PRAGMA user_version = 7")
            try connection.execute(
                """
                INSERT INTO tasks (id, type, status, parameters, backoff_base, backoff_factor, backoff_cap, created_at, updated_at, attempt, finished_at)
                    VALUES ('a1', 'sleep', 'failed', '{}', 1, 2, 60, 1, 2, 2, 3),
                           ('b2', 'sleep', 'finished', '{}', 1, 2, 60, 1, 2, 1, 3);
                INSERT INTO attempts (task_id, attempt, started_at, ended_at, outcome, error) VALUES
                    ('a1', 1, 1.5, 1.6, 'failed', 'boom'), ('a1', 2, 1.7, 1.8, 'failed', 'boom again'), ('b2', 1, 1.5, 1.9, 'finished', NULL);
                INSERT INTO audit (at, action, task_id, actor) VALUES (1, 'submit', 'a1', 'test');
                """)
        }
        let store = try TaskStore(path: path)
        defer { store.close() }
        let history = try store.attempts("a1")
        #expect(history.map(\.attempt) == [1, 2] && history.map(\.error) == ["boom", "boom again"], "\(history)")
        #expect(try store.attempts("b2").map(\.outcome) == ["finished"])
        #expect(try sql(path, "SELECT count(*) FROM sqlite_master WHERE name = 'audit_by_task'") == "0")
        #expect(try sql(path, "PRAGMA user_version") == "\(StoreSchema.currentVersion)")
    }
}

extension TaskStore {
    /// Creates (and migrates) a database at `path`, then closes it.
    static func closeAfterCreating(_ path: String) {
        (try? TaskStore(path: path))?.close()
    }

    /// A new, closed database in a scratch directory of its own (kept while the directory is).
    static func createdInScratch(_ label: String) throws -> (scratch: TemporaryDirectory, path: String) {
        let scratch = try TemporaryDirectory(label)
        let path = scratch.url.appendingPathComponent("taskhost.db").path
        closeAfterCreating(path)
        return (scratch, path)
    }
}
