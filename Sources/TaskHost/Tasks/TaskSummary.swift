import Foundation

/// A task as `list` shows it: everything but its parameters and result (`show` has those), so a
/// page stays small however large each task's data is.
public struct TaskSummary: Sendable, Codable, Equatable {
    /// 32 hex characters; any unique prefix works in the CLI.
    public var id: String
    /// The task type's registry name.
    public var type: String
    /// A display name, if given.
    public var name: String?
    /// Where the task is in its life.
    public var status: TaskStatus
    /// Higher runs first; FIFO within a priority.
    public var priority: Int
    /// Free-form key/value labels.
    public var tags: [String: String]
    /// The number of the current or last run (0 before the first).
    public var attempt: Int
    /// Retries allowed after a failed run.
    public var maxRetries: Int
    /// Retries used since the last restart.
    public var retriesUsed: Int
    /// When it was submitted.
    public var createdAt: Date
    /// When its row last changed.
    public var updatedAt: Date
    /// Not started before this time.
    public var runAt: Date?
    /// When the current or last run started.
    public var startedAt: Date?
    /// When it reached a terminal status.
    public var finishedAt: Date?
    /// The last reported progress.
    public var progress: TaskProgress?
    /// The last attempt's error.
    public var error: TaskFailure?
    /// A stop (or restart) was asked for and the task has not reached a checkpoint yet.
    public var stopRequested: Bool
    /// A pause was asked for and the task has not reached a checkpoint yet.
    public var pauseRequested: Bool
    /// Why a pending task is not running.
    public var waitingReason: String?
    /// "scheduled" for a schedule's firing, "manual" otherwise.
    public var source: TaskSource = .manual
    /// The schedule that created it, if one did.
    public var schedule: String? = nil
    /// The firing time it was created for (a schedule's task).
    public var scheduledFor: Date? = nil
}
