import Foundation

/// A write that was queued: committed later (with its neighbours, in one transaction) or failed.
protocol CommitTicket: AnyObject, Sendable {
    /// Blocks until the write committed (returns) or failed (throws `TaskHostError`).
    func wait() throws
    /// True once committed, false once failed, nil while pending.
    var succeeded: Bool? { get }
}

/// What the front ends (API, CLI, dashboard) read. Every backend answers these the same way;
/// the conformance suite holds each to it.
public protocol TaskReading: AnyObject, Sendable {
    /// One task as stored.
    func record(_ id: String) throws(TaskHostError) -> TaskRecord
    /// The full id of the task with this id or unique prefix.
    func resolveID(_ prefix: String) throws(TaskHostError) -> String
    /// A page of tasks, newest first.
    func list(_ filter: TaskFilter) throws(TaskHostError) -> TaskPage
    /// How many tasks are in each status.
    func countsByStatus() throws(TaskHostError) -> [TaskStatus: Int]
    /// A task's log lines after `cursor` and at or after `since`: the oldest `limit`, or the newest with `newest`.
    func logs(_ taskID: String, after cursor: Int64, limit: Int, newest: Bool, since: Date?) throws(TaskHostError) -> [TaskLogEntry]
    /// A task's attempts, first first.
    func attempts(_ taskID: String) throws(TaskHostError) -> [AttemptRecord]
    /// Audit entries after `cursor`, oldest first.
    func audit(after cursor: Int64, limit: Int) throws(TaskHostError) -> [AuditEntry]
    /// Every schedule, oldest first.
    func schedules() throws(TaskHostError) -> [ScheduleRecord]
    /// One schedule by id or unique prefix.
    func schedule(_ prefix: String) throws(TaskHostError) -> ScheduleRecord
    /// The schedule id a task listing filters on: a live schedule's, else one that tasks still carry.
    func scheduleReference(_ prefix: String) throws(TaskHostError) -> String
    /// Nil while writes succeed; else why the storage cannot be written, for health reports.
    var writeProblem: String? { get }
    /// Tries a write now; nil if it works, else why not.
    func checkWritable() -> String?
    /// Finishes queued writes and closes.
    func close()
}

extension TaskReading {
    /// The oldest `limit` log lines after `cursor`.
    public func logs(_ taskID: String, after cursor: Int64 = 0, limit: Int = 1000) throws(TaskHostError) -> [TaskLogEntry] {
        try logs(taskID, after: cursor, limit: limit, newest: false, since: nil)
    }
}

/// Everything the manager asks of a storage backend: the reads, and the writes that carry its
/// decisions (typed updates, inserts, schedule advances, recovery). A backend holds no policy.
protocol TaskStorage: TaskReading {
    /// Where running tasks' progress, logs and saved state wait for the next flush (nil when read-only).
    var activity: ActivityBuffer? { get }
    /// Queues a task's update; `onCommit` is called once it committed or failed.
    func enqueue(_ update: TaskUpdate, onCommit: (@Sendable ((any Error)?) -> Void)?) throws(TaskHostError) -> any CommitTicket
    /// Inserts a task (or returns the live one with its idempotency key); with `startedAt` it starts running.
    func insert(_ record: TaskRecord, parametersJSON: String?, actor: String, startedAt: Double?) throws(TaskHostError)
        -> (id: String, seq: Int64, existing: Bool)
    /// Inserts tasks all together or none, with the schedule advances of the firings that created them.
    func insert(batch records: [TaskRecord], parametersJSON: [String]?, actor: String, firings: [ScheduleAdvance]) throws(TaskHostError)
        -> [(id: String, seq: Int64, existing: Bool)]
    /// Deletes a task in a terminal status with its logs and attempts; false if it is not (any more).
    func deleteTerminalTask(_ id: String, actor: String) throws(TaskHostError) -> Bool
    /// Deletes terminal tasks that ended before `cutoff` in small batches; returns how many.
    func pruneTasks(endedBefore cutoff: Double, actor: String, batch: Int, deleted: ([String]) -> Void) throws(TaskHostError) -> Int
    /// Start-up: what was running when the host died is marked as `policy` says; returns what was found.
    func recoverAfterCrash(_ policy: RecoveryPolicy) throws(TaskHostError) -> RecoveryReport
    /// Every task that may run again, with what the scheduler needs.
    func loadSchedulable() throws(TaskHostError) -> [SchedulableTask]
    /// One task's scheduling fields.
    func schedulable(_ id: String) throws(TaskHostError) -> SchedulableTask
    /// The task's saved state as last flushed.
    func savedState(_ taskID: String) throws(TaskHostError) -> Data?
    /// Stores a new schedule.
    func insertSchedule(_ schedule: ScheduleRecord, actor: String) throws(TaskHostError)
    /// Pauses a schedule, or resumes it from `nextAt`.
    func setSchedulePaused(_ id: String, paused: Bool, nextAt: Date?, actor: String) throws(TaskHostError)
    /// Removes a schedule (its tasks stay).
    func deleteSchedule(_ id: String, actor: String) throws(TaskHostError)
    /// Writes firings that started no task.
    func advance(_ advances: [ScheduleAdvance]) throws(TaskHostError)
    /// The full id of the schedule with this id or unique prefix.
    func scheduleID(_ prefix: String) throws(TaskHostError) -> String
}

extension TaskStorage {
    /// Queues a task's update without a commit callback.
    func enqueue(_ update: TaskUpdate) throws(TaskHostError) -> any CommitTicket { try enqueue(update, onCommit: nil) }
}
