/// A control action a user (or program) asks of a task.
public enum TaskAction: String, Sendable, Codable, CaseIterable {
    /// Hold a pending task, or block a running one at its next checkpoint.
    case pause
    /// Let a paused task continue where it stopped, or an interrupted one from its saved state.
    case resume
    /// End the task: at once if it is not running, at its next checkpoint if it is.
    case stop
    /// Run the task again from the start with the same id (stopping it first if needed).
    case restart
    /// Remove a terminal task and its logs.
    case delete
}

/// Which action is allowed in which status, as the transition table (`TaskTransitions`) says.
///
/// | status \ action | pause | resume | stop | restart | delete |
/// |---|---|---|---|---|---|
/// | pending | → paused (held) | – | → stopped | – | – |
/// | running | → paused at next checkpoint | – | → stopped at next checkpoint | stop, then → pending | – |
/// | paused | – | → running (or pending without a thread) | → stopped | stop, then → pending | – |
/// | finished, failed, stopped | – | – | – | → pending, attempt +1 | removed |
/// | interrupted | – | → pending, from saved state | – | → pending, attempt +1 | removed |
///
/// The host itself moves tasks: pending → running (started), running → finished / failed /
/// pending (retry with backoff, or requeued after a crash) / stopped / paused / interrupted.
public enum TaskLifecycle {
    /// The statuses in which `action` is allowed.
    public static func allowedStatuses(for action: TaskAction) -> [TaskStatus] {
        TaskTransitions.statuses(allowing: action)
    }

    /// Throws `.illegalTransition` unless `action` is allowed for a task in `status`.
    public static func check(_ action: TaskAction, taskID: String, status: TaskStatus) throws(TaskHostError) {
        let allowed = allowedStatuses(for: action)
        guard allowed.contains(status) else {
            throw .illegalTransition(taskID: taskID, status: status, action: action, allowed: allowed)
        }
    }
}
