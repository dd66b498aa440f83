import Foundation
import TaskKit

/// Everything known about one task, as stored.
public struct TaskRecord: Sendable, Codable, Equatable {
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
    /// The validated parameters.
    public var parameters: TaskParameters
    /// Free-form key/value labels.
    public var tags: [String: String]
    /// The number of the current or last run (0 before the first).
    public var attempt: Int
    /// Retries allowed after a failed run.
    public var maxRetries: Int
    /// Retries used since the last restart.
    public var retriesUsed: Int
    /// Delay between retries.
    public var backoff: Backoff
    /// A run longer than this many seconds is stopped and failed.
    public var timeoutSeconds: Double?
    /// A run cut off by a crash goes back to pending instead of interrupted.
    public var requeueOnInterrupt: Bool
    /// The idempotency key given at submit.
    public var idempotencyKey: String?
    /// When it was submitted.
    public var createdAt: Date
    /// When its row last changed.
    public var updatedAt: Date
    /// Not started before this time (delay, retry backoff).
    public var runAt: Date?
    /// When the current or last run started.
    public var startedAt: Date?
    /// When it reached a terminal status.
    public var finishedAt: Date?
    /// The last reported progress.
    public var progress: TaskProgress?
    /// The result of `run`, as JSON text.
    public var result: String?
    /// The last attempt's error.
    public var error: TaskFailure?
    /// A stop (or restart) was asked for and the task has not reached a checkpoint yet.
    public var stopRequested: Bool
    /// A pause was asked for and the task has not reached a checkpoint yet.
    public var pauseRequested: Bool
    /// Why a pending task is not running (its plugin is missing, it waits for a slot...).
    public var waitingReason: String?
    /// Something the user should know about the current attempt (its saved state could not be decoded...).
    public var notice: String? = nil
    /// While running: seconds since the attempt started or last reached a checkpoint (pause and stop wait for one).
    public var secondsSinceCheckpoint: Double? = nil
    /// Where its attempts run: "thread" or "process".
    public var isolation: TaskIsolation = .thread
    /// Process isolation: the worker's memory limit, in bytes.
    public var memoryLimitBytes: Int? = nil
    /// Process isolation: the worker's CPU-time limit, in seconds.
    public var cpuLimitSeconds: Int? = nil
    /// While it runs in a worker process: that process's id.
    public var pid: Int32? = nil
    /// A shell task: the exit code of its last command, if it exited.
    public var exitCode: Int? = nil
    /// A shell task: the signal that killed its last command, if one did.
    public var signal: Int? = nil
    /// "scheduled" for a schedule's firing, "manual" otherwise.
    public var source: TaskSource = .manual
    /// The schedule that created it, if one did.
    public var schedule: String? = nil
    /// The firing time it was created for (a schedule's task).
    public var scheduledFor: Date? = nil
    /// While paused in a worker: "checkpoint" (it blocked at one, state saved) or "frozen" (stopped
    /// with SIGSTOP between checkpoints; after a host restart it resumes from its last saved state).
    public var pausedAt: String? = nil
}

/// Who created a task.
public enum TaskSource: String, Sendable, Codable {
    /// A submit (CLI, API, embedding program).
    case manual
    /// A schedule's firing.
    case scheduled
}

/// A task's last reported progress.
public struct TaskProgress: Sendable, Codable, Equatable {
    /// Units done.
    public var completed: Int64
    /// Units in all, if known.
    public var total: Int64?
    /// A note from the task.
    public var message: String?

    /// Creates a progress value.
    public init(completed: Int64, total: Int64? = nil, message: String? = nil) {
        self.completed = completed
        self.total = total
        self.message = message
    }

    /// Completed/total in 0...1, if the total is known.
    public var fraction: Double? {
        guard let total, total > 0 else { return nil }
        return min(1, max(0, Double(completed) / Double(total)))
    }
}

/// Why an attempt failed.
public struct TaskFailure: Sendable, Codable, Equatable {
    /// The error's description.
    public var message: String
    /// The error's Swift type name.
    public var type: String
    /// Which attempt failed.
    public var attempt: Int

    /// The `type` of an attempt failed by its timeout.
    public static let timeoutType = "Timeout"

    /// Creates a failure.
    public init(message: String, type: String, attempt: Int) {
        self.message = message
        self.type = type
        self.attempt = attempt
    }
}

/// One run of a task.
public struct AttemptRecord: Sendable, Codable, Equatable {
    /// 1, 2, ...
    public var attempt: Int
    /// When the thread started it.
    public var startedAt: Date
    /// When it ended (nil while running or paused).
    public var endedAt: Date?
    /// finished, failed, stopped, paused-for-shutdown, interrupted...
    public var outcome: String?
    /// The error, if it failed.
    public var error: String?
}

/// One line of a task's log.
public struct TaskLogEntry: Sendable, Codable, Equatable {
    /// Increasing per database: use as a cursor.
    public var sequence: Int64
    /// When it was logged.
    public var at: Date
    /// Its severity.
    public var level: LogLevel
    /// The text.
    public var message: String
}

/// One recorded submit or control action.
public struct AuditEntry: Sendable, Codable, Equatable {
    /// Increasing: use as a cursor.
    public var sequence: Int64
    /// When.
    public var at: Date
    /// submit, pause, resume, stop, restart, delete, prune.
    public var action: String
    /// The task acted on, if one.
    public var taskID: String?
    /// Who asked (cli, api, a program's name).
    public var actor: String
    /// Anything else worth keeping.
    public var detail: String?
}
