import Foundation
@testable import TaskHost
import Testing

/// The storage layer's bookkeeping and its defined behaviour when SQLite says no.
@Suite("One truthful state: storage")
struct StorageTests {
    /// `SELECT status, count(*) ... GROUP BY status`, by the sqlite3 program.
    func groupedCounts(_ database: String) throws -> [TaskStatus: Int] {
        let result = try runCommand("/usr/bin/env", ["sqlite3", database, "SELECT status || '=' || count(*) FROM tasks GROUP BY status;"])
        try #require(result.status == 0, "\(result.stderr)")
        var counts: [TaskStatus: Int] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: "=")
            if parts.count == 2, let status = TaskStatus(rawValue: String(parts[0])), let count = Int(parts[1]) { counts[status] = count }
        }
        return counts
    }

    @Test("counts per status are kept in a row by triggers and always equal a GROUP BY; tags filter through their own table")
    func countsAndTags() throws {
        let fixture = try ManagerFixture()
        var ids: [String] = []
        for index in 0..<30 {
            ids.append(try fixture.submit("probe", ["ms": "1"], SubmitOptions(tags: ["team": index % 3 == 0 ? "a" : "b", "n": "\(index)"])))
        }
        let held = try fixture.submit("sleep", ["seconds": "30"], SubmitOptions(delaySeconds: 3600))
        _ = try fixture.manager.pause(held)
        for id in ids { _ = try fixture.waitFor(id, .finished) }
        try fixture.manager.delete(ids[0])
        _ = try fixture.manager.stop(held)
        let counts = try fixture.store.countsByStatus()
        #expect(counts == (try groupedCounts(fixture.databasePath)), "\(counts)")
        #expect(counts[.finished] == 29 && counts[.stopped] == 1)

        let teamA = try fixture.store.list(TaskFilter(tags: ["team": "a"])).tasks.map(\.id)
        #expect(Set(teamA) == Set(ids.enumerated().filter { $0.offset % 3 == 0 && $0.offset != 0 }.map(\.element)))
        #expect(try fixture.store.list(TaskFilter(tags: ["team": "a", "n": "3"])).tasks.map(\.id) == [ids[3]])
    }

    @Test("prune deletes in batches, with logs, attempts and audit rows of the pruned tasks only")
    func pruneInBatches() throws {
        let fixture = try ManagerFixture()
        var ids: [String] = []
        for _ in 0..<120 { ids.append(try fixture.submit("hooks", ["steps": "0"])) }
        for id in ids { _ = try fixture.waitFor(id, .finished) }
        let kept = try fixture.submit("sleep", ["seconds": "30"], SubmitOptions(delaySeconds: 3600))
        var batches: [Int] = []
        let deleted = try fixture.store.pruneTasks(endedBefore: Date().timeIntervalSince1970 + 1, actor: "test", batch: 50) { batches.append($0.count) }
        // Batches size themselves to ~4 ms each; what matters is that there are several and nothing is missed.
        #expect(deleted == 120 && batches.reduce(0, +) == 120 && batches.count >= 2, "\(batches)")
        let left = try runCommand(
            "/usr/bin/env",
            ["sqlite3", fixture.databasePath, "SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM logs), (SELECT count(*) FROM attempts), (SELECT count(*) FROM audit WHERE task_id IS NOT NULL AND task_id != '\(kept)'), (SELECT count(*) FROM task_tags);"])
        #expect(left.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1|0|0|0|0", "\(left.stdout)")
        // The audit of a task that is kept stays, though it is older than the cutoff.
        let keptAudit = try runCommand("/usr/bin/env", ["sqlite3", fixture.databasePath, "SELECT action FROM audit WHERE task_id = '\(kept)'"])
        #expect(keptAudit.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "submit")
        #expect(try fixture.store.countsByStatus() == [.pending: 1])
    }

    @Test("prune drops the older audit rows of a task removed with rm, but keeps the record of who removed it")
    func pruneKeepsDeleteRecords() throws {
        let fixture = try ManagerFixture()
        let removed = try fixture.submit("hooks", ["steps": "0"])
        _ = try fixture.waitFor(removed, .finished)
        try fixture.manager.delete(removed)
        let deleted = try fixture.store.pruneTasks(endedBefore: Date().timeIntervalSince1970 + 1, actor: "test") { _ in }
        #expect(deleted == 0)
        let left = try runCommand("/usr/bin/env", ["sqlite3", fixture.databasePath, "SELECT action FROM audit WHERE task_id = '\(removed)' ORDER BY seq"])
        #expect(left.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "delete")
    }

    @Test("SQLITE_BUSY: another program holding the write lock makes writes fail after 5 s with the reason; they work again after")
    func busy() throws {
        let daemon = try DaemonFixture()
        let database = daemon.home.appendingPathComponent("taskhost.db").path
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "python3", "-c",
            "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(8); c.execute('COMMIT')",
            database,
        ]
        let pipe = Pipe()
        holder.standardOutput = pipe
        try holder.run()
        defer { holder.terminate() }
        _ = pipe.fileHandleForReading.availableData  // "locked"
        let started = Date()
        let refused = try daemon.cli("start", "sleep")
        #expect(refused.status == 1, "\(refused.stdout)")
        #expect(refused.stderr.contains("the database is locked by another program"), "\(refused.stderr)")
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(try daemon.cli("list").status == 0, "reads go on while the lock is held")
        holder.waitUntilExit()
        #expect(try daemon.cli("start", "sleep", "-p", "seconds=0.1", "--wait").status == 0)
        #expect(try daemon.cli("health").status == 0)
    }

    @Test("SQLITE_CORRUPT: a damaged database is refused at start, naming the file, and nothing is written to it")
    func corrupt() throws {
        let daemon = try DaemonFixture()
        _ = try daemon.cli("start", "sleep", "-p", "seconds=0.1", "--wait")
        daemon.signal(SIGTERM)
        let database = daemon.home.appendingPathComponent("taskhost.db")
        // Everything into the main file first, so the damage below is what SQLite reads.
        let checkpoint = try runCommand("/usr/bin/env", ["sqlite3", database.path, "PRAGMA wal_checkpoint(TRUNCATE);"])
        try #require(checkpoint.status == 0, "\(checkpoint.stderr)")
        let handle = try FileHandle(forUpdating: database)
        try handle.seek(toOffset: 100)
        handle.write(Data(repeating: 0xA5, count: 3000))
        try handle.close()
        let before = try Data(contentsOf: database)
        let serve = try runCommand(
            BuildProducts.taskhost.path, ["serve", "--home", daemon.home.path, "--plugins", daemon.files.plugins.path], timeout: 60)
        #expect(serve.status == 1, "\(serve.stdout) \(serve.stderr)")
        #expect(serve.stderr.contains("\(database.path) is corrupt"), "\(serve.stderr)")
        #expect(serve.stderr.contains("Restore it from a backup, or move it away"))
        #expect(try Data(contentsOf: database) == before, "the damaged file was written to")
        let list = try daemon.cli("list")
        #expect(list.status == 1 && list.stderr.contains("is corrupt"), "\(list.stderr)")
    }
}
