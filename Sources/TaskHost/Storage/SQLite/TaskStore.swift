import Foundation
import Synchronization
import TaskKit

/// The SQLite store: one writer thread with group commit, a pool of reader connections that never
/// waits for the writer (WAL).
///
/// Durability contract: when a method that takes a write returns (or its ticket's `wait()`
/// returns), the change is committed and survives a SIGKILL of the host.
public final class TaskStore: Sendable {
    /// The database file.
    public let path: String
    /// How many log lines each task keeps (oldest dropped past it).
    public let logCap: Int
    /// What an acknowledged write survives (a read-only store reports `.process`).
    public let durability: StoreDurability
    private let readers: ReaderPool
    let writerBox: WriterBox?

    // Sendable wrapper: the writer and checkpointer are internally synchronized.
    final class WriterBox: @unchecked Sendable {
        let writer: StoreWriter
        let checkpointer: WALCheckpointer
        init(_ writer: StoreWriter, _ checkpointer: WALCheckpointer) {
            self.writer = writer
            self.checkpointer = checkpointer
        }
    }

    /// Read connections per host: the API, the dashboard and the manager read in parallel.
    static let readerCount = 3

    /// Opens (creating and migrating if needed) the database at `path` for a host.
    public init(
        path: String, durability: StoreDurability = .process, logCap: Int = 10_000,
        flushInterval: Duration = .milliseconds(200), checkpointPages: Int = 1000
    ) throws(TaskHostError) {
        self.path = path
        self.logCap = logCap
        self.durability = durability
        let writeConnection = try StoreOpener.openForWriting(path, durability: durability)
        let readConnections = try (0..<Self.readerCount).map { _ throws(TaskHostError) in
            try StoreOpener.openForReading(path, checkHeader: false)
        }
        let checkpointer: WALCheckpointer
        do {
            checkpointer = try WALCheckpointer(path: path, durability: durability, thresholdPages: checkpointPages)
        } catch {
            throw .sqlite(error)
        }
        checkpointer.attach(to: writeConnection)
        readers = ReaderPool(readConnections)
        let cap = logCap
        writerBox = WriterBox(
            StoreWriter(connection: writeConnection, flushInterval: flushInterval, logCap: cap) { connection, activity in
                try TaskStore.flush(activity, into: connection, logCap: cap)
            },
            checkpointer)
    }

    /// Opens an existing database read-only, for the CLI when no host runs.
    public init(readOnlyPath path: String) throws(TaskHostError) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .storage(StorageError(.notFound, message: "no database at \(path)", context: "opening read-only"))
        }
        self.path = path
        logCap = 10_000
        durability = .process
        readers = ReaderPool([try StoreOpener.openForReading(path)])
        writerBox = nil
    }

    /// Flushes buffered activity and stops the writer. Further writes fail with `shuttingDown`.
    public func close() {
        writerBox?.writer.close()
        writerBox?.checkpointer.close()
    }

    var writer: StoreWriter {
        get throws(TaskHostError) {
            guard let writerBox else { throw .invalidOption("the database is open read-only") }
            return writerBox.writer
        }
    }

    var activity: ActivityBuffer? { writerBox?.writer.buffer }

    /// Writes one small row and returns `writeProblem` afterwards: a degraded host finds out
    /// that space came back even when nothing else writes.
    public func checkWritable() -> String? {
        guard writerBox != nil else { return nil }
        try? write { connection in
            try connection.run("INSERT OR REPLACE INTO heartbeat (id, at) VALUES (1, ?)", [.real(Date().timeIntervalSince1970)])
        }
        return writeProblem
    }

    /// Nil while writes succeed; else why the database cannot be written, for health reports:
    /// "database not writable: No space left on device (/home/taskhost.db, 0 bytes free)".
    public var writeProblem: String? {
        guard let failure = writerBox?.writer.failure else { return nil }
        let reason: String
        if failure.systemErrno != 0 {
            reason = String(cString: strerror(failure.systemErrno))
        } else if let error = failure.error as? SQLiteError, error.isDiskFull {
            // SQLite reports a full disk without keeping the errno: it is ENOSPC.
            reason = String(cString: strerror(ENOSPC))
        } else if let error = failure.error as? SQLiteError {
            reason = error.message
        } else {
            reason = "\(failure.error)"
        }
        var info = statvfs()
        let directory = (path as NSString).deletingLastPathComponent
        let free = statvfs(directory, &info) == 0 ? "\(ByteCount.grouped(Int(clamping: UInt64(info.f_bavail) &* UInt64(info.f_frsize)))) bytes free" : "free space unknown"
        return "database not writable: \(reason) (\(path), \(free))"
    }

    /// Runs `body` with the reader connection, mapping SQLite errors.
    func read<Result>(_ body: (SQLiteConnection) throws -> Result) throws(TaskHostError) -> Result {
        do {
            return try readers.withConnection { try body($0) }
        } catch let error as TaskHostError {
            throw error
        } catch let error as SQLiteError {
            throw error.isCorruption ? .databaseCorrupt(path: path, detail: error.message) : .sqlite(error)
        } catch {
            throw .sqlite(error, context: "reading \(path)")
        }
    }

    /// Queues a write and waits for its commit, mapping errors (`alone`: a bulk write, in a
    /// transaction of its own; `independent`: new rows only, so it may commit ahead of queued writes).
    func write(alone: Bool = false, independent: Bool = false, _ body: @escaping StoreWriter.Write) throws(TaskHostError) {
        do {
            try writer.write(body, alone: alone, independent: independent)
        } catch let error as TaskHostError {
            throw error
        } catch {
            throw .sqlite(error, context: "writing \(path)")
        }
    }

    private static func flush(_ activity: ActivityBuffer.Contents, into connection: SQLiteConnection, logCap: Int) throws {
        for (id, progress) in activity.progress {
            try connection.run(
                "UPDATE tasks SET progress_completed = ?, progress_total = ?, progress_message = ? WHERE id = ?",
                [.integer(progress.completed), .optional(progress.total), .optional(progress.message), .text(id)])
        }
        for (id, state) in activity.states {
            try connection.run("UPDATE tasks SET saved_state = ? WHERE id = ?", [.blob(state), .text(id)])
        }
        for line in activity.logs {
            try connection.run(
                "INSERT INTO logs (task_id, at, level, message) VALUES (?, ?, ?, ?)",
                [.text(line.taskID), .real(line.at), .text(line.level.rawValue), .text(line.message)])
        }
        for id in activity.logCounts.keys {
            let deleted = try connection.run(
                """
                DELETE FROM logs WHERE task_id = ?1 AND seq <= (
                    SELECT seq FROM logs WHERE task_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)
                """, [.text(id), .integer(Int64(logCap))])
            let dropped = deleted + activity.logsDropped[id, default: 0]
            if dropped > 0 {
                try connection.run("UPDATE tasks SET logs_dropped = logs_dropped + ? WHERE id = ?", [.integer(Int64(dropped)), .text(id)])
            }
        }
    }
}
