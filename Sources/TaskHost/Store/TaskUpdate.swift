import Foundation

/// A change to one task row, with the attempt history and audit rows that go with it,
/// applied in one savepoint.
struct TaskUpdate: Sendable {
    let taskID: String
    private(set) var fields: [(column: String, value: SQLiteValue)] = []
    var attemptStarted: (attempt: Int, at: Double)?
    var attemptEnded: (attempt: Int, at: Double, outcome: String, error: String?)?
    var audit: (action: String, actor: String, detail: String?)?
    var clearSavedState = false

    init(_ taskID: String) { self.taskID = taskID }

    mutating func set(_ column: String, _ value: SQLiteValue) { fields.append((column, value)) }

    mutating func status(_ status: TaskStatus) { set("status", .text(status.rawValue)) }

    func apply(to connection: SQLiteConnection, now: Double) throws {
        var columns = fields.map { "\($0.column) = ?" }
        var values = fields.map(\.value)
        columns.append("updated_at = ?")
        values.append(.real(now))
        if clearSavedState { columns.append("saved_state = NULL") }
        values.append(.text(taskID))
        try connection.run("UPDATE tasks SET \(columns.joined(separator: ", ")) WHERE id = ?", values)
        if let started = attemptStarted {
            try connection.run(
                "INSERT OR REPLACE INTO attempts (task_id, attempt, started_at) VALUES (?, ?, ?)",
                [.text(taskID), .integer(Int64(started.attempt)), .real(started.at)])
        }
        if let ended = attemptEnded {
            try connection.run(
                "UPDATE attempts SET ended_at = ?, outcome = ?, error = ? WHERE task_id = ? AND attempt = ?",
                [.real(ended.at), .text(ended.outcome), .optional(ended.error), .text(taskID), .integer(Int64(ended.attempt))])
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
