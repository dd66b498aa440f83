import Foundation
import TaskKit

extension TaskStore {
    /// The task with exactly this id.
    public func record(_ id: String) throws(TaskHostError) -> TaskRecord {
        let rows = try read { connection in
            try connection.query("SELECT \(TaskRowCodec.columns) FROM tasks WHERE id = ?", [.text(id)], row: TaskRowCodec.decode)
        }
        guard let record = rows.first else { throw .taskNotFound(id) }
        return record
    }

    /// The full id of the one task whose id starts with `prefix` (like git).
    public func resolveID(_ prefix: String) throws(TaskHostError) -> String {
        guard let (matches, total) = try ids(startingWith: prefix, column: "id", table: "tasks", countingAll: true) else {
            throw .taskNotFound(prefix.clippedForMessage)
        }
        guard let first = matches.first else { throw .taskNotFound(prefix) }
        guard matches.count == 1 else { throw .ambiguousID(prefix, matches: matches, total: total) }
        return first
    }

    /// The first few distinct values of `column` in `table` that start with the id prefix `prefix`
    /// (a range scan of its index), and how many there are in all (counted only with `countingAll`
    /// and when there are six or more); nil when `prefix` cannot start an id (not 1-32 hex digits).
    func ids(startingWith prefix: String, column: String, table: String, countingAll: Bool = false) throws(TaskHostError)
        -> (ids: [String], total: Int)?
    {
        let clean = prefix.lowercased()
        guard !clean.isEmpty, clean.count <= 32, clean.allSatisfy(\.isHexDigit) else { return nil }
        let range: [SQLiteValue] = [.text(clean), .text(clean + "g")]
        return try read { connection in
            let ids = try connection.query(
                "SELECT DISTINCT \(column) FROM \(table) WHERE \(column) >= ? AND \(column) < ? ORDER BY \(column) LIMIT 6", range
            ) { $0.text(0) }
            guard countingAll, ids.count == 6 else { return (ids, ids.count) }
            let total = try connection.query("SELECT count(DISTINCT \(column)) FROM \(table) WHERE \(column) >= ? AND \(column) < ?", range) {
                $0.int(0)
            }.first
            return (ids, total ?? ids.count)
        }
    }

    /// A page of tasks, newest first.
    public func list(_ filter: TaskFilter) throws(TaskHostError) -> TaskPage {
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        if !filter.statuses.isEmpty {
            conditions.append("status IN (\(filter.statuses.map { _ in "?" }.joined(separator: ",")))")
            values += filter.statuses.map { .text($0.rawValue) }
        }
        if let type = filter.type {
            conditions.append("type = ?")
            values.append(.text(type))
        }
        for (key, value) in filter.tags.sorted(by: { $0.key < $1.key }) {
            conditions.append("seq IN (SELECT seq FROM task_tags WHERE key = ? AND value = ?)")
            values += [.text(key), .text(value)]
        }
        if let schedule = filter.schedule {
            conditions.append("schedule_id = ?")
            values.append(.text(schedule))
        }
        if let cursor = filter.cursor {
            conditions.append("seq < ?")
            values.append(.integer(cursor))
        }
        let limit = max(1, min(filter.limit, 10_000))
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try read { connection in
            try connection.query(
                "SELECT \(TaskRowCodec.summaryColumns), seq FROM tasks \(whereClause) ORDER BY seq DESC LIMIT \(limit + 1)", values
            ) { row in (row.int64(TaskRowCodec.summaryColumnCount), TaskRowCodec.decodeSummary(row)) }
        }
        let page = rows.prefix(limit)
        return TaskPage(tasks: page.map(\.1), nextCursor: rows.count > limit ? page.last?.0 : nil)
    }

    /// Counts of tasks by status.
    public func countsByStatus() throws(TaskHostError) -> [TaskStatus: Int] {
        let rows = try read { connection in
            // Kept by triggers on every insert, status change and delete: one tiny table, not a scan.
            try connection.query("SELECT status, count FROM task_counts WHERE count > 0") { ($0.text(0), $0.int(1)) }
        }
        var counts: [TaskStatus: Int] = [:]
        for (status, count) in rows { if let status = TaskStatus(rawValue: status) { counts[status] = count } }
        return counts
    }

    /// The task's log lines after `cursor` (a `sequence`) and logged at or after `since`, oldest
    /// first: the oldest `limit` of them, or with `newest` the newest `limit`. When the log cap dropped
    /// older lines, a first line says how many (in place of them, with the sequence just before the oldest kept line).
    public func logs(
        _ taskID: String, after cursor: Int64 = 0, limit: Int = 1000, newest: Bool = false, since: Date? = nil
    ) throws(TaskHostError) -> [TaskLogEntry] {
        try read { connection in
            // One snapshot for the lines, the dropped count and the oldest kept line.
            try connection.execute("BEGIN")
            defer { try? connection.execute("COMMIT") }
            let from = since.map(\.timeIntervalSince1970).flatMap { $0.isFinite ? $0 : nil } ?? -Double.greatestFiniteMagnitude
            var entries = try connection.query(
                "SELECT seq, at, level, message FROM logs WHERE task_id = ? AND seq > ? AND at >= ? ORDER BY seq \(newest ? "DESC" : "") LIMIT ?",
                [.text(taskID), .integer(cursor), .real(from), .integer(Int64(max(1, limit)))]
            ) { row in
                TaskLogEntry(
                    sequence: row.int64(0), at: Date(timeIntervalSince1970: row.double(1)),
                    level: LogLevel(rawValue: row.text(2)) ?? .info, message: row.text(3))
            }
            if newest { entries.reverse() }
            let dropped = try connection.query("SELECT logs_dropped FROM tasks WHERE id = ?", [.text(taskID)]) { $0.int64(0) }.first ?? 0
            if dropped > 0, let first = entries.first, cursor < first.sequence - 1,
                try connection.query("SELECT min(seq) FROM logs WHERE task_id = ?", [.text(taskID)], row: { $0.int64(0) }).first == first.sequence
            {
                let marker = "… \(ByteCount.grouped(Int(dropped))) earlier lines dropped (each task keeps its newest \(ByteCount.grouped(logCap)))"
                entries.insert(TaskLogEntry(sequence: first.sequence - 1, at: first.at, level: .warning, message: marker), at: 0)
            }
            return entries
        }
    }

    /// The task's attempts, first first.
    public func attempts(_ taskID: String) throws(TaskHostError) -> [AttemptRecord] {
        try read { connection in
            try connection.query(
                // The current attempt's row is not written yet when it started with its submit (its
                // end writes it whole): the task's own fields stand in for it.
                """
                SELECT attempt, started_at, ended_at, outcome, error FROM attempts WHERE task_seq = (SELECT seq FROM tasks WHERE id = ?1)
                UNION ALL
                SELECT attempt, started_at, NULL, NULL, NULL FROM tasks t WHERE id = ?1 AND attempt > 0 AND started_at IS NOT NULL
                    AND status IN ('running', 'paused') AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.task_seq = t.seq AND a.attempt = t.attempt)
                ORDER BY 1
                """,
                [.text(taskID)]
            ) { row in
                AttemptRecord(
                    attempt: row.int(0), startedAt: Date(timeIntervalSince1970: row.double(1)),
                    endedAt: row.optionalDouble(2).map(Date.init(timeIntervalSince1970:)), outcome: row.optionalText(3),
                    error: row.optionalText(4))
            }
        }
    }

    /// Audit entries after `cursor`, oldest first.
    public func audit(after cursor: Int64 = 0, limit: Int = 1000) throws(TaskHostError) -> [AuditEntry] {
        try read { connection in
            try connection.query(
                "SELECT seq, at, action, task_id, actor, detail FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                [.integer(cursor), .integer(Int64(max(1, limit)))]
            ) { row in
                AuditEntry(
                    sequence: row.int64(0), at: Date(timeIntervalSince1970: row.double(1)), action: row.text(2),
                    taskID: row.optionalText(3), actor: row.text(4), detail: row.optionalText(5))
            }
        }
    }

    /// The task's saved state as last flushed.
    func savedState(_ taskID: String) throws(TaskHostError) -> Data? {
        try read { connection in
            try connection.query("SELECT saved_state FROM tasks WHERE id = ?", [.text(taskID)]) { $0.blob(0) }
        }.first ?? nil
    }
}
