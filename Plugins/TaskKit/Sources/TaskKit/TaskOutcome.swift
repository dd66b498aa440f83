/// How an attempt ended, as `post(context:outcome:)` sees it.
public enum TaskOutcome: Sendable, Equatable {
    /// `run` returned normally.
    case finished
    /// `pre` or `run` threw; the message is the error's description.
    case failed(message: String)
    /// A stop was requested and `checkpoint()` threw `TaskStopped`.
    case stopped
    /// The host asked the task to pause for shutdown; it will continue on the next start.
    case suspended
}

/// Thrown by `TaskContext.checkpoint()` once a stop was requested; let it propagate out of `run`.
public struct TaskStopped: Error, Sendable, CustomStringConvertible {
    /// Why the task was stopped (a user's stop, a timeout, host shutdown).
    public let reason: String
    /// Creates the error.
    public init(reason: String) { self.reason = reason }
    /// The reason, for people.
    public var description: String { "task stopped: \(reason)" }
}

/// An error a task type throws with a message meant for the user.
public struct TaskError: Error, Sendable, CustomStringConvertible {
    /// What went wrong and, ideally, what to do about it.
    public let message: String
    /// Creates the error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
