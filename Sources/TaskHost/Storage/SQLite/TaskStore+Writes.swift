import Foundation
import TaskKit

extension TaskStore {
    /// Inserts a new task, unless one with the same idempotency key exists and has not failed:
    /// then returns that task's id and `existing: true`. Atomic with the check. With `startedAt`
    /// the row is inserted running its first attempt (a task that starts at once: one row written, not two).
    /// `parametersJSON`: the parameters already encoded (the submit's size check encodes them).
    func insert(_ record: TaskRecord, parametersJSON: String? = nil, actor: String, startedAt: Double? = nil) throws(TaskHostError) -> (id: String, seq: Int64, existing: Bool) {
        let outcome = WriteResult<(String, Int64, Bool)>()
        // Without an idempotency key it reads nothing another queued write could change.
        try write(independent: record.idempotencyKey == nil) { connection in
            outcome.set(try Self.insert(record, parametersJSON: parametersJSON, audit: actor, countNow: true, startedAt: startedAt, into: connection))
        }
        guard let (id, seq, existing) = outcome.get() else { throw .invalidOption("submit did not complete") }
        // With `startedAt` the row says running, attempt 1, since when: what a crash must find,
        // committed above. The attempt's history row is written by the attempt's end (an upsert
        // taking its start from this row); until then readers stand in for it from the task row,
        // and recovery writes it before closing it. A separate write for it cost every such submit
        // a wake-up of the writer's thread and a write in a later round.
        return (id, seq, existing)
    }

    /// Inserts tasks in one transaction, all or none, with the schedule changes of the firings
    /// that created them (exactly once: a firing's task and its schedule's advance commit together).
    /// `parametersJSON`: each record's parameters already encoded, in order (or nil).
    func insert(
        batch records: [TaskRecord], parametersJSON: [String]? = nil, actor: String, firings: [ScheduleAdvance] = []
    ) throws(TaskHostError) -> [(id: String, seq: Int64, existing: Bool)] {
        let encoded = parametersJSON.flatMap { $0.count == records.count ? $0 : nil }
        let outcome = WriteResult<[(String, Int64, Bool)]>()
        try write(independent: firings.isEmpty && records.allSatisfy { $0.idempotencyKey == nil }) { connection in
            var inserted: [(String, Int64, Bool)] = []
            inserted.reserveCapacity(records.count)
            var added: [TaskStatus: Int] = [:]
            // One audit row for a batch (its tasks are found by their source and schedule), one per task otherwise.
            let auditEach = records.count == 1
            for (index, record) in records.enumerated() {
                let row = try Self.insert(
                    record, parametersJSON: encoded?[index], audit: auditEach ? actor : nil, countNow: false, startedAt: nil, into: connection)
                if !row.2 { added[record.status, default: 0] += 1 }
                inserted.append(row)
            }
            try Self.count(added: added, in: connection)
            if !auditEach, !records.isEmpty {
                let types = Set(records.map(\.type)).sorted().joined(separator: ", ")
                try StoreAudit.insert(
                    connection, action: "submit", taskID: nil, actor: actor,
                    detail: "\(records.count) tasks (\(types)): \(records.first?.id ?? "")…\(records.last?.id ?? "")", at: Date().timeIntervalSince1970)
            }
            for firing in firings { try firing.apply(to: connection) }
            outcome.set(inserted)
        }
        guard let inserted = outcome.get() else { throw .invalidOption("submit did not complete") }
        return inserted.map { (id: $0.0, seq: $0.1, existing: $0.2) }
    }

    /// Adds new rows to the per-status counts (what the insert trigger did, once per batch).
    private static func count(added: [TaskStatus: Int], in connection: SQLiteConnection) throws {
        for (status, count) in added where count > 0 {
            try connection.run(
                "INSERT INTO task_counts (status, count) VALUES (?, ?) ON CONFLICT (status) DO UPDATE SET count = count + excluded.count",
                [.text(status.rawValue), .integer(Int64(count))])
        }
    }

    /// `countNow`: add the row to the status counts here (a batch counts all its rows at the end).
    private static func insert(
        _ record: TaskRecord, parametersJSON: String?, audit actor: String?, countNow: Bool, startedAt: Double?, into connection: SQLiteConnection
    ) throws -> (String, Int64, Bool) {
        if let key = record.idempotencyKey {
            let found = try connection.query(
                "SELECT id, seq FROM tasks WHERE idempotency_key = ? AND status != 'failed' ORDER BY seq LIMIT 1", [.text(key)]
            ) { ($0.text(0), $0.int64(1)) }
            if let (id, seq) = found.first { return (id, seq, true) }
        }
        let now = record.createdAt.timeIntervalSince1970
        let status: TaskStatus = startedAt == nil ? record.status : .running
        try connection.run(
            """
            INSERT INTO tasks (id, type, name, status, priority, parameters, tags, max_retries, backoff_base,
                backoff_factor, backoff_cap, timeout, requeue_on_interrupt, idempotency_key, created_at, updated_at, run_at,
                isolation, memory_limit, cpu_limit, source, schedule_id, scheduled_for, attempt, started_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(record.id), .text(record.type), .optional(record.name), .text(status.rawValue),
                .integer(Int64(record.priority)), .text(parametersJSON ?? CompactJSON.object(record.parameters.values)),
                .text(CompactJSON.object(record.tags)), .integer(Int64(record.maxRetries)),
                .real(record.backoff.baseSeconds), .real(record.backoff.factor), .real(record.backoff.capSeconds),
                .optional(record.timeoutSeconds), .integer(record.requeueOnInterrupt ? 1 : 0),
                .optional(record.idempotencyKey), .real(now), .real(now),
                .optional(record.runAt?.timeIntervalSince1970), .text(record.isolation.rawValue),
                .optional(record.memoryLimitBytes.map(Int64.init)), .optional(record.cpuLimitSeconds.map(Int64.init)),
                .text(record.source.rawValue), .optional(record.schedule), .optional(record.scheduledFor?.timeIntervalSince1970),
                .integer(startedAt == nil ? 0 : 1), .optional(startedAt),
            ])
        let seq = sqlite3LastInsertRowID(connection)
        for (key, value) in record.tags {
            try connection.run("INSERT INTO task_tags (key, value, seq) VALUES (?, ?, ?)", [.text(key), .text(value), .integer(seq)])
        }
        if let actor { try StoreAudit.insert(connection, action: "submit", taskID: record.id, actor: actor, detail: record.type, at: now) }
        if countNow { try count(added: [status: 1], in: connection) }
        return (record.id, seq, false)
    }

    /// Queues an update; `wait()` on the ticket makes it durable, `onCommit` runs once it is.
    func enqueue(_ update: TaskUpdate, onCommit: (@Sendable ((any Error)?) -> Void)?) throws(TaskHostError) -> any CommitTicket {
        try writer.enqueue({ connection in try update.apply(to: connection, now: Date().timeIntervalSince1970) }, onCommit: onCommit)
    }

    /// Deletes the task `id` with its logs and attempts if it is in a terminal status (checked in
    /// the same transaction), with an audit row naming `actor`; returns whether it was deleted.
    func deleteTerminalTask(_ id: String, actor: String) throws(TaskHostError) -> Bool {
        let statuses = TaskStatus.allCases.filter(\.isTerminal)
        let condition = "id = ? AND status IN (\(statuses.map { _ in "?" }.joined(separator: ", ")))"
        let values: [SQLiteValue] = [.text(id)] + statuses.map { .text($0.rawValue) }
        return try !deleteTasks(where: condition, values, audit: ("delete", actor, id)).isEmpty
    }

    /// Deletes the tasks matching `condition` with their logs and attempts; returns their ids.
    private func deleteTasks(where condition: String, _ values: [SQLiteValue], audit: (action: String, actor: String, taskID: String?))
        throws(TaskHostError) -> [String]
    {
        let deleted = WriteResult<[String]>()
        try write { connection in
            let ids = try connection.query("SELECT id FROM tasks WHERE \(condition)", values) { $0.text(0) }
            for id in ids {
                try connection.run("DELETE FROM logs WHERE task_id = ?", [.text(id)])
                try connection.run("DELETE FROM attempts WHERE task_seq = (SELECT seq FROM tasks WHERE id = ?)", [.text(id)])
                try connection.run("DELETE FROM tasks WHERE id = ?", [.text(id)])
            }
            try StoreAudit.insert(
                connection, action: audit.action, taskID: audit.taskID, actor: audit.actor,
                detail: audit.taskID == nil ? "\(ids.count) tasks" : nil, at: Date().timeIntervalSince1970)
            deleted.set(ids)
        }
        return deleted.get() ?? []
    }

    /// Deletes terminal tasks that ended before `cutoff`, with their logs, attempts and audit rows,
    /// in batches of its own transaction each, sized to take about 4 ms (starting at `batch` tasks),
    /// so submits and outcomes commit in between and wait for one small batch at most. Calls
    /// `deleted` after each batch; returns the count.
    func pruneTasks(endedBefore cutoff: Double, actor: String, batch initialBatch: Int = 100, deleted: ([String]) -> Void) throws(TaskHostError) -> Int {
        var total = 0
        var batch = max(1, initialBatch)
        while true {
            let round = WriteResult<[String]>()
            let work = WriteResult<Duration>()
            try write(alone: true) { connection in
                let started = ContinuousClock.now
                defer { work.set(ContinuousClock.now - started) }
                let ids = try connection.query(
                    """
                    SELECT id FROM tasks WHERE status IN ('finished', 'failed', 'stopped', 'interrupted') AND finished_at < ?
                    LIMIT ?
                    """, [.real(cutoff), .integer(Int64(batch))]
                ) { $0.text(0) }
                if !ids.isEmpty {
                    // Set-based: four statements per batch, not four per task.
                    let list = Array(repeating: "?", count: ids.count).joined(separator: ",")
                    let values = ids.map(SQLiteValue.text)
                    try connection.run("DELETE FROM logs WHERE task_id IN (\(list))", values)
                    try connection.run("DELETE FROM attempts WHERE task_seq IN (SELECT seq FROM tasks WHERE id IN (\(list)))", values)
                    try connection.run("DELETE FROM tasks WHERE id IN (\(list))", values)
                }
                round.set(ids)
            }
            let ids = round.get() ?? []
            total += ids.count
            if !ids.isEmpty { deleted(ids) }
            if ids.count < batch { break }
            // The batch's own work, not its wait in the queue.
            let took = work.get() ?? .milliseconds(4)
            if took > .milliseconds(4) {
                batch = max(10, batch * 2 / 3)
            } else if took < .milliseconds(2) {
                batch = min(2000, batch * 3 / 2)
            }
            // Half the writer's time at most: the WAL grows half as fast, so the checkpoints that
            // stall every writer come half as often, and the background checkpointer keeps up.
            Thread.sleep(forTimeInterval: took.seconds)
        }
        try pruneAudit(before: cutoff)
        let count = total
        try write { connection in
            try StoreAudit.insert(connection, action: "prune", taskID: nil, actor: actor, detail: "\(count) tasks", at: Date().timeIntervalSince1970)
        }
        // A large prune leaves a large WAL behind: give the space back.
        if total >= 10_000 { writerBox?.checkpointer.truncate() }
        return total
    }

    /// Deletes the audit rows older than `cutoff` of tasks that no longer exist, except the
    /// record of who deleted one. Every audit row of a pruned task is older than its end, so it is
    /// among them. Found by one pass over the audit on a reader (no index on the task id, which
    /// every submit would pay a page for), then deleted 2,000 at a time, each a transaction of its
    /// own paced as the prune's batches. The newest audit row is always kept: audit seqs are
    /// max + 1 (no AUTOINCREMENT), and a reader paging `after:` a seq must never see one again.
    private func pruneAudit(before cutoff: Double) throws(TaskHostError) {
        let orphan = "task_id IS NOT NULL AND action != 'delete' AND NOT EXISTS (SELECT 1 FROM tasks WHERE tasks.id = audit.task_id)"
            + " AND seq < (SELECT max(seq) FROM audit)"
        var after: Int64 = 0
        while true {
            let found = try read { connection in
                try connection.query(
                    "SELECT seq FROM audit WHERE seq > ? AND at < ? AND \(orphan) ORDER BY seq LIMIT 2000", [.integer(after), .real(cutoff)]
                ) { $0.int64(0) }
            }
            guard let last = found.last else { return }
            let work = WriteResult<Duration>()
            try write(alone: true) { connection in
                let started = ContinuousClock.now
                defer { work.set(ContinuousClock.now - started) }
                let list = Array(repeating: "?", count: found.count).joined(separator: ",")
                try connection.run("DELETE FROM audit WHERE seq IN (\(list)) AND \(orphan)", found.map(SQLiteValue.integer))
            }
            after = last
            if found.count < 2000 { return }
            Thread.sleep(forTimeInterval: (work.get() ?? .zero).seconds)
        }
    }

    /// Start-up recovery: tasks the last host left `running` become interrupted (their attempt
    /// recorded as cut off) or pending if they asked to be requeued; open attempts of paused
    /// tasks are closed (their thread is gone). Done in one transaction with set-based SQL.
    func recoverAfterCrash(_ policy: RecoveryPolicy) throws(TaskHostError) -> RecoveryReport {
        let report = WriteResult<RecoveryReport>()
        try write { connection in
            let now = Date().timeIntervalSince1970
            // A task still `running` means the host died without a clean shutdown while it ran
            // (a clean shutdown leaves none).
            let limit = Int64(policy.suspectAfterHostDeaths)
            // An attempt that started with its submit gets its history row when it ends; one cut off
            // by the crash gets it here, from the task's own (committed) fields.
            try connection.run(
                """
                INSERT OR IGNORE INTO attempts (task_seq, attempt, started_at)
                    SELECT seq, attempt, started_at FROM tasks WHERE status IN ('running', 'paused') AND attempt > 0 AND started_at IS NOT NULL
                """)
            for type in policy.typesFrozenAttemptsDie {
                try connection.run(
                    """
                    UPDATE tasks SET status = 'running' WHERE status = 'paused' AND type = ?
                    AND EXISTS (SELECT 1 FROM attempts a WHERE a.task_seq = tasks.seq AND a.ended_at IS NULL)
                    """, [.text(type)])
            }
            let suspects = try connection.query(
                "SELECT id, type FROM tasks WHERE status = 'running' AND isolation = 'thread' AND host_deaths + 1 >= ? ORDER BY seq", [.integer(limit)]
            ) { (id: $0.text(0), type: $0.text(1)) }
            let suspectMessage = policy.suspectMessage
            try connection.run(
                """
                UPDATE attempts SET ended_at = ?1, outcome = 'interrupted', error = 'the host died while it ran'
                WHERE ended_at IS NULL AND task_seq IN (SELECT seq FROM tasks WHERE status = 'running')
                """, [.real(now)])
            try connection.run(
                """
                UPDATE attempts SET ended_at = ?1, outcome = 'paused'
                WHERE ended_at IS NULL AND task_seq IN (SELECT seq FROM tasks WHERE status = 'paused')
                """, [.real(now)])
            try connection.run(
                """
                UPDATE tasks SET status = 'failed', updated_at = ?1, finished_at = ?1, stop_requested = 0, pause_requested = 0,
                    host_deaths = host_deaths + 1, error_message = ?2, error_type = 'SuspectedHostCrash', error_attempt = attempt,
                    waiting_reason = NULL
                WHERE status = 'running' AND isolation = 'thread' AND host_deaths + 1 >= ?3
                """, [.real(now), .text(suspectMessage), .integer(limit)])
            for suspect in suspects {
                try StoreAudit.insert(connection, action: "suspect", taskID: suspect.id, actor: "host", detail: suspectMessage, at: now)
            }
            let requeued = try connection.run(
                """
                UPDATE tasks SET status = 'pending', updated_at = ?1, stop_requested = 0, pause_requested = 0,
                    host_deaths = host_deaths + 1, waiting_reason = ?2
                WHERE status = 'running' AND requeue_on_interrupt = 1
                """, [.real(now), .text(policy.requeuedReason)])
            let interrupted = try connection.run(
                """
                UPDATE tasks SET status = 'interrupted', updated_at = ?1, finished_at = ?1, stop_requested = 0,
                    pause_requested = 0, host_deaths = host_deaths + 1, error_message = ?2,
                    error_type = 'Interrupted', error_attempt = attempt
                WHERE status = 'running'
                """, [.real(now), .text(policy.interruptedMessage)])
            // A stop asked of a pending or paused task was already applied; a pause request on a pending one too.
            try connection.run("UPDATE tasks SET pause_requested = 0, stop_requested = 0 WHERE status IN ('pending', 'paused')")
            if requeued + interrupted + suspects.count > 0 {
                try StoreAudit.insert(
                    connection, action: "recover", taskID: nil, actor: "host",
                    detail: "\(interrupted) interrupted, \(requeued) requeued, \(suspects.count) failed as suspected host crashers", at: now)
            }
            let counts = try connection.query("SELECT status, count(*) FROM tasks WHERE status IN ('pending','paused') GROUP BY status") {
                ($0.text(0), $0.int(1))
            }
            let byStatus = Dictionary(uniqueKeysWithValues: counts)
            report.set(
                RecoveryReport(
                    interrupted: interrupted, requeued: requeued, paused: byStatus["paused"] ?? 0, pending: byStatus["pending"] ?? 0,
                    suspects: suspects.map { "\($0.id) (\($0.type))" }))
        }
        return report.get() ?? RecoveryReport(interrupted: 0, requeued: 0, paused: 0, pending: 0)
    }

    /// Every pending and paused task, in scheduling order.
    func loadSchedulable() throws(TaskHostError) -> [SchedulableTask] {
        try read { connection in
            try connection.query("SELECT \(Self.schedulableColumns) FROM tasks WHERE status IN ('pending', 'paused') ORDER BY seq") {
                Self.decodeSchedulable($0)
            }
        }
    }

    /// One task's scheduling fields, whatever its status.
    func schedulable(_ id: String) throws(TaskHostError) -> SchedulableTask {
        let rows = try read { connection in
            try connection.query("SELECT \(Self.schedulableColumns) FROM tasks WHERE id = ?", [.text(id)]) { Self.decodeSchedulable($0) }
        }
        guard let row = rows.first else { throw .taskNotFound(id) }
        return row
    }

    private static let schedulableColumns = """
        id, type, status, priority, seq, run_at, attempt, timeout, retries_used, max_retries, backoff_base,
        backoff_factor, backoff_cap, isolation, memory_limit, cpu_limit, requeue_on_interrupt
        """

    private static func decodeSchedulable(_ row: SQLiteStatement) -> SchedulableTask {
        SchedulableTask(
            id: row.text(0), type: row.text(1), status: TaskStatus(rawValue: row.text(2)) ?? .pending,
            priority: row.int(3), seq: row.int64(4), runAt: row.optionalDouble(5), attempt: row.int(6),
            timeoutSeconds: row.optionalDouble(7), retriesUsed: row.int(8), maxRetries: row.int(9),
            backoff: Backoff(baseSeconds: row.double(10), factor: row.double(11), capSeconds: row.double(12)),
            isolation: TaskIsolation(rawValue: row.text(13)) ?? .thread, memoryLimitBytes: row.optionalInt64(14).map { Int(clamping: $0) },
            cpuLimitSeconds: row.optionalInt64(15).map { Int(clamping: $0) }, requeueOnInterrupt: row.int64(16) != 0)
    }
}

/// What a write closure hands back to the caller of `write`: set on the committing thread before
/// the write's ticket completes, read by the caller after `write` returns. The ticket's completion
/// (a semaphore the caller waits on) orders the two, so the box needs no lock of its own (one is
/// made per submit, and a lock's init and deinit showed in a lone submit's profile).
final class WriteResult<Value>: @unchecked Sendable {
    private var value: Value?
    func set(_ newValue: Value) { value = newValue }
    func get() -> Value? { value }
}
