import Foundation

/// A column of the task row that an update may set.
enum TaskColumn: UInt8, Sendable {
    // Numbered from 1, five bits each: a sequence of them is packed into the key of its statement.
    case status = 1, attempt, startedAt, finishedAt, runAt, waitingReason, notice, stopRequested, pauseRequested
    case retriesUsed, hostDeaths, result, progressCompleted, progressTotal, progressMessage
    case errorMessage, errorType, errorAttempt, exitCode, exitSignal

    var name: String {
        switch self {
        case .status: "status"
        case .attempt: "attempt"
        case .startedAt: "started_at"
        case .finishedAt: "finished_at"
        case .runAt: "run_at"
        case .waitingReason: "waiting_reason"
        case .notice: "notice"
        case .stopRequested: "stop_requested"
        case .pauseRequested: "pause_requested"
        case .retriesUsed: "retries_used"
        case .hostDeaths: "host_deaths"
        case .result: "result"
        case .progressCompleted: "progress_completed"
        case .progressTotal: "progress_total"
        case .progressMessage: "progress_message"
        case .errorMessage: "error_message"
        case .errorType: "error_type"
        case .errorAttempt: "error_attempt"
        case .exitCode: "exit_code"
        case .exitSignal: "exit_signal"
        }
    }
}

/// A task update as columns of the `tasks` row, in the order they were set.
struct TaskRowChange {
    private(set) var columns: [(column: TaskColumn, value: SQLiteValue)] = []
    var clearSavedState = false

    init(clearSavedState: Bool = false) { self.clearSavedState = clearSavedState }

    /// The columns `update` sets.
    init(_ update: TaskUpdate) {
        clearSavedState = update.clearSavedState
        columns.reserveCapacity(update.fields.count + 4)
        for field in update.fields { set(field) }
    }

    mutating func set(_ column: TaskColumn, _ value: SQLiteValue) { columns.append((column, value)) }

    mutating func set(_ field: TaskField) {
        switch field {
        case .status(let status): set(.status, .text(status.rawValue))
        case .attempt(let attempt): set(.attempt, .integer(Int64(attempt)))
        case .startedAt(let at): set(.startedAt, .real(at))
        case .finishedAt(let at): set(.finishedAt, .optional(at))
        case .runAt(let at): set(.runAt, .optional(at))
        case .waitingReason(let reason): set(.waitingReason, .optional(reason))
        case .notice(let notice): set(.notice, .optional(notice))
        case .stopRequested(let flag): set(.stopRequested, .integer(flag ? 1 : 0))
        case .pauseRequested(let flag): set(.pauseRequested, .integer(flag ? 1 : 0))
        case .retriesUsed(let count): set(.retriesUsed, .integer(Int64(count)))
        case .hostDeaths(let count): set(.hostDeaths, .integer(Int64(count)))
        case .result(let json): set(.result, .optional(json))
        case .progress(let progress):
            set(.progressCompleted, .optional(progress?.completed))
            set(.progressTotal, .optional(progress?.total))
            set(.progressMessage, .optional(progress?.message))
        case .error(let failure):
            set(.errorMessage, .optional(failure?.message))
            set(.errorType, .optional(failure?.type))
            set(.errorAttempt, .optional(failure.map { Int64($0.attempt) }))
        case .exit(let exit):
            set(.exitCode, .optional(exit?.exitCode.map(Int64.init)))
            set(.exitSignal, .optional(exit?.signal.map(Int64.init)))
        }
    }

    /// The row's UPDATE for these columns in this order (the same few shapes recur: a task's end,
    /// its start, a pause), named by a key packed from them so that its prepared statement is
    /// found without building and hashing the SQL text; nil when too many columns to pack.
    var statementKey: UInt64? {
        guard columns.count <= 11 else { return nil }
        var key: UInt64 = clearSavedState ? 2 : 1
        for entry in columns { key = key << 5 | UInt64(entry.column.rawValue) }
        return key
    }

    var updateSQL: String {
        var assignments = columns.map { "\($0.column.name) = ?" }
        assignments.append("updated_at = ?")
        if clearSavedState { assignments.append("saved_state = NULL") }
        return "UPDATE tasks SET \(assignments.joined(separator: ", ")) WHERE id = ?"
    }
}

extension TaskUpdate {
    func apply(to connection: SQLiteConnection, now: Double) throws {
        let change = TaskRowChange(self)
        var values: [SQLiteValue] = []
        values.reserveCapacity(change.columns.count + 2)
        for entry in change.columns { values.append(entry.value) }
        values.append(.real(now))
        values.append(.text(taskID))
        let statement: SQLiteStatement
        if let key = change.statementKey {
            statement = try connection.statement(key: key) { change.updateSQL }
        } else {
            statement = try connection.statement(change.updateSQL)
        }
        // A row deleted meanwhile (a prune between a read and this write) must not be acknowledged.
        guard try connection.run(statement, values) == 1 else {
            throw TaskHostError.taskNotFound(taskID)
        }
        if recordOpenAttempt {
            try connection.run(
                "INSERT OR IGNORE INTO attempts (task_seq, attempt, started_at) SELECT seq, attempt, started_at FROM tasks WHERE id = ? AND attempt > 0 AND started_at IS NOT NULL",
                [.text(taskID)])
        }
        if let started = attemptStarted {
            try connection.run(
                "INSERT OR REPLACE INTO attempts (task_seq, attempt, started_at) SELECT seq, ?, ? FROM tasks WHERE id = ?",
                [.integer(Int64(started.attempt)), .real(started.at), .text(taskID)])
        }
        if let ended = attemptEnded {
            // An upsert: the row of an attempt that started at once is written after its start
            // (it lingers to share a page); should that write have failed, the end writes it whole.
            try connection.run(
                """
                INSERT INTO attempts (task_seq, attempt, started_at, ended_at, outcome, error)
                    SELECT seq, ?2, COALESCE(started_at, ?3), ?3, ?4, ?5 FROM tasks WHERE id = ?1
                ON CONFLICT (task_seq, attempt) DO UPDATE SET ended_at = excluded.ended_at, outcome = excluded.outcome, error = excluded.error
                """,
                [.text(taskID), .integer(Int64(ended.attempt)), .real(ended.at), .text(ended.outcome), .optional(ended.error)])
        }
        if let audit {
            try StoreAudit.insert(connection, action: audit.action, taskID: taskID, actor: audit.actor, detail: audit.detail, at: now)
        }
    }
}

/// Writes audit rows.
enum StoreAudit {
    static func insert(_ connection: SQLiteConnection, action: String, taskID: String?, actor: String, detail: String?, at: Double) throws {
        try connection.run(
            "INSERT INTO audit (at, action, task_id, actor, detail) VALUES (?, ?, ?, ?, ?)",
            [.real(at), .text(action), .optional(taskID), .text(actor), .optional(detail)])
    }
}
