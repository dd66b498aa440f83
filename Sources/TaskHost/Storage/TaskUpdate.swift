import Foundation

/// One field of a task, typed: the manager says what changes, a storage backend how it is stored.
enum TaskField: Sendable {
    case status(TaskStatus)
    case attempt(Int)
    case startedAt(Double)
    case finishedAt(Double?)
    case runAt(Double?)
    case waitingReason(String?)
    case notice(String?)
    case stopRequested(Bool)
    case pauseRequested(Bool)
    case retriesUsed(Int)
    case hostDeaths(Int)
    case result(String?)
    case progress(TaskProgress?)
    case error(TaskFailure?)
    case exit(ProcessExit?)
}

/// A change to one task, with the attempt history and audit entry that go with it, committed
/// together or not at all.
struct TaskUpdate: Sendable {
    let taskID: String
    /// The fields set, in the order they were set.
    private(set) var fields: [TaskField] = []
    var attemptStarted: (attempt: Int, at: Double)?
    var attemptEnded: (attempt: Int, at: Double, outcome: String, error: String?)?
    var audit: (action: String, actor: String, detail: String?)?
    var clearSavedState = false
    /// Writes the current attempt's row, open, unless it is there: a paused attempt stopped ends
    /// on disk before its thread has unwound (and an attempt that started with its submit has no
    /// row until its end; a crash in between must not lose it).
    var recordOpenAttempt = false

    init(_ taskID: String) { self.taskID = taskID }

    /// Sets one field; the backend alone knows how it is stored.
    mutating func set(_ field: TaskField) { fields.append(field) }

    mutating func status(_ status: TaskStatus) { set(.status(status)) }
}
