/// A change the manager publishes to subscribers (the daemon's live stream, `wait`).
public enum TaskEvent: Sendable, Equatable {
    /// A task moved to `status`.
    case status(taskID: String, status: TaskStatus, attempt: Int)
    /// A task reported progress (coalesced: at most a few per second per task).
    case progress(taskID: String, progress: TaskProgress)
    /// A task was deleted.
    case deleted(taskID: String)
    /// A schedule was added, changed, fired or removed (`change` says which).
    case schedule(scheduleID: String, change: String)

    /// The task the event is about (for a schedule event, the schedule).
    public var taskID: String {
        switch self {
        case .status(let id, _, _), .progress(let id, _), .deleted(let id), .schedule(let id, _): id
        }
    }
}
