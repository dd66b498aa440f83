import TaskKit

/// Every error the core reports to a caller, with a stable code and a message a person can act on.
/// The server maps `code` to an HTTP status; the CLI maps it to an exit code. Messages state facts
/// and name no command or flag of a front end: each front end adds its own hints by `code`.
public enum TaskHostError: Error, Sendable, CustomStringConvertible {
    /// No task has this id (or id prefix).
    case taskNotFound(String)
    /// No schedule has this id (or prefix).
    case scheduleNotFound(String)
    /// Some tasks of a batch are invalid; none was stored.
    case invalidBatch([BatchItemError], total: Int)
    /// The prefix matches several tasks (`total` of them; `matches` lists the first few).
    case ambiguousID(String, matches: [String], total: Int)
    /// The action is not allowed in the task's status.
    case illegalTransition(taskID: String, status: TaskStatus, action: TaskAction, allowed: [TaskStatus])
    /// Parameters failed validation (every problem listed), or the type's init refused them.
    case invalidParameters(ParameterValidationError)
    /// The type is unknown or its plugin was removed.
    case typeLookup(TaskTypeLookupError)
    /// A submit option makes no sense (negative retries, unknown tag syntax...).
    case invalidOption(String)
    /// The database could not be read or written.
    case storage(StorageError)
    /// The database file exists but is not a taskhost database.
    case notATaskhostDatabase(path: String)
    /// The database file is damaged.
    case databaseCorrupt(path: String, detail: String)
    /// The database was written by a newer taskhost.
    case databaseTooNew(path: String, version: Int, supported: Int)
    /// The host is shutting down and takes no new work.
    case shuttingDown
    /// The task is between states; the message says when to retry.
    case busy(String)
    /// A stored schedule no longer decodes (a hand edit, a newer version's row): it can only be removed.
    case scheduleUnreadable(id: String, detail: String)

    /// A stable, machine-readable code.
    public var code: String {
        switch self {
        case .taskNotFound: "task_not_found"
        case .scheduleNotFound: "schedule_not_found"
        case .invalidBatch: "invalid_batch"
        case .ambiguousID: "ambiguous_id"
        case .illegalTransition: "illegal_transition"
        case .invalidParameters: "invalid_parameters"
        case .typeLookup(let error): error.code
        case .invalidOption: "invalid_option"
        case .storage(let error):
            error.isDiskFull ? "disk_full" : error.isBusy ? "database_locked" : error.isNotWritable ? "storage_unavailable" : "storage_error"
        case .notATaskhostDatabase: "not_a_taskhost_database"
        case .databaseTooNew: "database_too_new"
        case .databaseCorrupt: "database_corrupt"
        case .shuttingDown: "shutting_down"
        case .busy: "task_busy"
        case .scheduleUnreadable: "schedule_unreadable"
        }
    }

    /// What went wrong and what to do about it.
    public var description: String {
        switch self {
        case .taskNotFound(let id):
            "no task with id '\(id.clippedForMessage)'"
        case .invalidBatch(let items, let total):
            "\(items.count) of \(total) tasks are invalid, so none was submitted: "
                + items.prefix(5).map { "#\($0.index): \($0.message)" }.joined(separator: "; ") + (items.count > 5 ? "; …" : "")
        case .scheduleNotFound(let id):
            "no schedule with id '\(id.clippedForMessage)'"
        case .ambiguousID(let prefix, let matches, let total):
            "id prefix '\(prefix)' matches \(ByteCount.grouped(total)) tasks (\(matches.prefix(5).joined(separator: ", "))\(total > 5 ? ", and \(ByteCount.grouped(total - 5)) more" : "")); give more characters"
        case .illegalTransition(let id, let status, let action, let allowed):
            "task \(id.prefix(12)) is \(status.rawValue); only \(allowed.map(\.rawValue).joinedAsAlternatives) tasks can be \(action.pastParticiple)"
        case .invalidParameters(let error):
            error.description
        case .typeLookup(let error):
            error.description
        case .invalidOption(let message):
            message
        case .storage(let error):
            error.isDiskFull
                ? "the disk holding the database is full (\(error.message)); free space and retry — nothing was recorded"
                : error.isBusy
                    ? "the database is locked by another program for more than 5 s (\(error.message)); nothing was recorded — close whatever else has it open and retry"
                    : error.isNotWritable
                        ? "the database cannot be written (\(error.message)); nothing was recorded"
                        : "database error: \(error)"
        case .notATaskhostDatabase(let path):
            "\(path) is not a taskhost database; nothing was changed. Point --home at another directory or move the file away"
        case .databaseTooNew(let path, let version, let supported):
            "\(path) has schema version \(version), this taskhost understands up to \(supported); nothing was changed. Use a newer taskhost"
        case .databaseCorrupt(let path, let detail):
            "\(path) is corrupt (\(detail)); nothing was changed. Restore it from a backup, or move it away to start empty"
        case .shuttingDown:
            "the host is shutting down; try again after it restarts"
        case .busy(let message):
            message
        case .scheduleUnreadable(let id, let detail):
            "schedule \(id.prefix(12)) cannot be read (\(detail.clippedForMessage)); it can only be removed"
        }
    }
}

extension TaskAction {
    /// "paused", "resumed", ... for messages.
    var pastParticiple: String {
        switch self {
        case .pause: "paused"
        case .resume: "resumed"
        case .stop: "stopped"
        case .restart: "restarted"
        case .delete: "deleted"
        }
    }
}

extension [String] {
    /// "a", "a or b", "a, b or c".
    var joinedAsAlternatives: String {
        guard count > 1, let last else { return first ?? "" }
        return dropLast().joined(separator: ", ") + " or " + last
    }
}
