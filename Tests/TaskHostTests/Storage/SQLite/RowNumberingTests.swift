import Foundation
import Testing

@testable import TaskHost

/// Tasks and audit rows are numbered max(seq) + 1 (migration 9 dropped AUTOINCREMENT, which cost
/// every submit a page of sqlite_sequence): the rebuild keeps every row, and no number an audit
/// reader has seen is handed out again.
@Suite("Row numbering: tasks and audit without AUTOINCREMENT")
struct RowNumberingTests {
    @Test("a version 8 database is rebuilt: every column of every row, the indexes, triggers and counts stay")
    func migrationFromVersion8() throws {
        let scratch = try TemporaryDirectory("migrate9")
        let path = scratch.url.appendingPathComponent("taskhost.db").path
        do {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA journal_mode = WAL")
            for migration in StoreSchema.migrations[..<8] { try connection.execute(migration) }
            try connection.execute("PRAGMA application_id = \(StoreSchema.applicationID); PRAGMA user_version = 8")
            try connection.execute(
                """
                INSERT INTO tasks (id, type, name, status, priority, parameters, tags, backoff_base, backoff_factor, backoff_cap,
                    created_at, updated_at, attempt, finished_at, result, error_message, saved_state, notice, isolation, memory_limit,
                    exit_code, source, schedule_id, scheduled_for, idempotency_key)
                    VALUES ('a1', 'sleep', 'first', 'failed', 3, '{"x":1}', '{"k":"v"}', 1, 2, 60, 1, 2, 2, 3, NULL, 'boom', x'0102',
                            'a note', 'process', 1048576, 7, 'schedule', 's1', 100.5, 'key-1'),
                           ('b2', 'sleep', NULL, 'pending', 0, '{}', '{}', 1, 2, 60, 1, 2, 0, NULL, '"ok"', NULL, NULL,
                            NULL, 'thread', NULL, NULL, 'manual', NULL, NULL, NULL);
                INSERT INTO task_tags (key, value, seq) VALUES ('k', 'v', 1);
                INSERT INTO task_counts (status, count) VALUES ('failed', 1), ('pending', 1);
                INSERT INTO attempts (task_seq, attempt, started_at, ended_at, outcome, error) VALUES (1, 1, 1.5, 1.6, 'failed', 'boom');
                INSERT INTO audit (at, action, task_id, actor) VALUES (1, 'submit', 'a1', 'test'), (1, 'submit', 'b2', 'test');
                """)
        }
        let before = try sql(path, "SELECT * FROM tasks ORDER BY seq")
        let auditBefore = try sql(path, "SELECT * FROM audit ORDER BY seq")
        #expect(try sql(path, "SELECT count(*) FROM sqlite_sequence WHERE name IN ('tasks', 'audit')") == "2")

        let store = try TaskStore(path: path)
        defer { store.close() }
        #expect(try sql(path, "PRAGMA user_version") == "\(StoreSchema.currentVersion)")
        #expect(try sql(path, "PRAGMA integrity_check") == "ok")
        #expect(try sql(path, "SELECT * FROM tasks ORDER BY seq") == before)
        #expect(try sql(path, "SELECT * FROM audit ORDER BY seq") == auditBefore)
        #expect(try sql(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('tasks', 'audit') AND sql LIKE '%AUTOINCREMENT%'") == "0")
        #expect(try sql(path, "SELECT count(*) FROM sqlite_sequence WHERE name IN ('tasks', 'audit')") == "0")
        let indexes = try sql(path, "SELECT name FROM sqlite_master WHERE tbl_name = 'tasks' AND type IN ('index', 'trigger') ORDER BY name")
        #expect(
            indexes.split(separator: "\n") == [
                "sqlite_autoindex_tasks_1", "tasks_after_delete", "tasks_after_status", "tasks_by_finish", "tasks_by_firing", "tasks_by_key",
                "tasks_list_by_status", "tasks_list_by_type",
            ], "\(indexes)")
        // The store reads what was there, and the triggers still keep the counts and tags.
        #expect(try store.record("a1").error?.message == "boom")
        #expect(try store.attempts("a1").map(\.outcome) == ["failed"])
        #expect(try store.countsByStatus()[.pending] == 1)
        _ = try sql(path, "UPDATE tasks SET status = 'stopped' WHERE id = 'b2'; DELETE FROM tasks WHERE id = 'a1'")
        #expect(try sql(path, "SELECT status || '=' || count FROM task_counts ORDER BY status") == "failed=0\npending=0\nstopped=1")
        #expect(try sql(path, "SELECT count(*) FROM task_tags") == "0")
    }

    @Test("a delayed submit's commit writes fewer than seven pages (six b-trees, no sqlite_sequence)")
    func submitWritesSixPages() throws {
        let fixture = try ManagerFixture()
        let wal = fixture.databasePath + "-wal"
        // Warm: the first inserts grow the tables' first pages.
        for _ in 0..<20 { _ = try fixture.submit("sleep", [:], SubmitOptions(delaySeconds: 86_400)) }
        let before = WALCheckpointTests.size(of: wal)
        let submits = 200
        for _ in 0..<submits { _ = try fixture.submit("sleep", [:], SubmitOptions(delaySeconds: 86_400)) }
        let frames = Double(WALCheckpointTests.size(of: wal) - before) / Double(4096 + 24) / Double(submits)
        // The checkpoint threshold (1,000 pages) is not reached by 220 submits: the WAL only grew.
        #expect(frames > 5 && frames < 7, "\(frames) WAL frames per submit")
    }

    @Test("the audit prune keeps the newest audit row, so the next audit number is never one handed out before")
    func auditNumbersAreNotReused() throws {
        let fixture = try ManagerFixture()
        var ids: [String] = []
        for _ in 0..<3 { ids.append(try fixture.submit("sleep", ["seconds": "0"])) }
        for id in ids { _ = try fixture.waitFor(id, .finished) }
        let newestBefore = try fixture.store.audit().map(\.sequence).max() ?? 0
        #expect(newestBefore > 0)
        #expect(try fixture.manager.prune(olderThan: Date().addingTimeInterval(3600), actor: "test") == 3)
        let after = try fixture.store.audit()
        let record = try #require(after.last)
        #expect(record.action == "prune" && record.sequence > newestBefore, "\(after)")
    }
}
