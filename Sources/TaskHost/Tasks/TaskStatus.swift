/// Where a task is in its life. See `TaskLifecycle` for the allowed moves.
public enum TaskStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting to run: queued, delayed, waiting for a retry or for its plugin.
    case pending
    /// Its thread is running the type's hooks.
    case running
    /// Held by the user: blocked at a checkpoint, or not started.
    case paused
    /// `run` returned; the result is stored.
    case finished
    /// The last attempt threw and no retries are left (or it timed out).
    case failed
    /// Stopped by the user.
    case stopped
    /// Cut off by a host crash or a shutdown deadline.
    case interrupted

    /// True for statuses that never change without a user's restart.
    public var isTerminal: Bool {
        switch self {
        case .finished, .failed, .stopped, .interrupted: true
        case .pending, .running, .paused: false
        }
    }
}
