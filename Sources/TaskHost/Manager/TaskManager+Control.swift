import Foundation
import TaskKit

extension TaskManager {
    /// Holds a pending task, or asks a running one to block at its next checkpoint.
    @discardableResult
    public func pause(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) -> TaskRecord {
        try control(idOrPrefix, .pause, actor: actor) { task, target, update in
            // Pending: held at once. Running: the status changes when the thread reaches its checkpoint.
            guard target == nil else { return {} }
            update.set(.pauseRequested(true))
            return {
                task.pauseRequested = true
                task.control?.requestPause()
            }
        }
    }

    /// Lets a paused task continue where it blocked (or from its saved state), or an interrupted
    /// one from its saved state; on a running task whose pause was asked for and not reached, cancels the request.
    @discardableResult
    public func resume(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) -> TaskRecord {
        try control(idOrPrefix, .resume, actor: actor, allowsPauseCancel: true) { task, target, update in
            guard target != nil else {
                update.set(.pauseRequested(false))
                update.audit = ("resume", actor, "cancelled a pause request")
                return {
                    task.pauseRequested = false
                    task.control?.cancelPauseRequest()
                }
            }
            // Paused with or without a thread, or interrupted: queue it; the scheduler gives it a
            // slot and either wakes its thread or starts a new attempt from the saved state.
            update.set(.finishedAt(nil))
            update.set(.runAt(nil))
            return { [self] in
                task.runAt = nil
                state.enqueue(task, now: Date().timeIntervalSince1970)
            }
        }
    }

    /// Ends a task: at once if pending or paused, at its next checkpoint if running.
    @discardableResult
    public func stop(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) -> TaskRecord {
        try control(idOrPrefix, .stop, actor: actor) { task, target, update in
            if target == nil {
                update.set(.stopRequested(true))
            } else {
                // Pending, or paused (its thread, if any, unwinds in the background without a slot).
                Self.finishFields(&update, now: Date().timeIntervalSince1970)
                if state.withThread[task.id] === task { update.recordOpenAttempt = true }
            }
            return { [self] in state.requestStop(task, .user) }
        }
    }

    /// Runs a task again from the start with the same id; a running or paused task is stopped first.
    @discardableResult
    public func restart(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) -> TaskRecord {
        try control(idOrPrefix, .restart, actor: actor) { task, target, update in
            // A thread that exists but has not attached its control yet counts too: the new
            // attempt waits for it to end (two threads of one task would share its slot).
            guard target != nil else {
                update.set(.stopRequested(true))
                return { [self] in state.requestStop(task, .restart) }
            }
            Self.restartFields(&update)
            return { [self] in
                resetForRestart(task)
                state.enqueue(task, now: Date().timeIntervalSince1970)
            }
        }
    }

    /// Removes a terminal task with its logs and history.
    public func delete(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) {
        let id = try storage.resolveID(idOrPrefix)
        let record = try storage.record(id)
        try TaskLifecycle.check(.delete, taskID: id, status: record.status)
        guard try storage.deleteTerminalTask(id, actor: actor) else {
            // It was restarted in between.
            let now = try storage.record(id)
            throw .illegalTransition(taskID: id, status: now.status, action: .delete, allowed: TaskLifecycle.allowedStatuses(for: .delete))
        }
        publishRemoved([id])
    }

    /// Deletes terminal tasks that ended before `date` (with their logs, attempts and audit), in
    /// small batches that never hold up submits; returns how many.
    @discardableResult
    public func prune(olderThan date: Date, actor: String = "api") throws(TaskHostError) -> Int {
        try storage.pruneTasks(endedBefore: date.timeIntervalSince1970, actor: actor, batch: 100) { [self] ids in publishRemoved(ids) }
    }

    /// A user's control: the task's live state (an outcome or a start in flight settled first),
    /// then the one transition path (`plan`, `commit`): checked against the table, committed,
    /// applied, published. `fill` adds the row's fields beside the status and returns their memory side.
    private func control(
        _ idOrPrefix: String, _ action: TaskAction, actor: String, allowsPauseCancel: Bool = false,
        fill: (LiveTask, TaskStatus?, inout TaskUpdate) -> (() -> Void)
    ) throws(TaskHostError) -> TaskRecord {
        let id = try storage.resolveID(idOrPrefix)
        lock.lock()
        do throws(TaskHostError) {
            guard state.acceptingWork else { throw .shuttingDown }
            let task: LiveTask
            if let live = state.live[id] {
                task = live
            } else {
                // Terminal tasks are not kept in memory; read the row (no write can race: this lock is held).
                task = LiveTask(try storage.schedulable(id))
            }
            // A write in flight is waited for (a few ms), so a control never acts on a stale status.
            try awaitOutcome(task)
            awaitStart(task)
            let cancelsPause = allowsPauseCancel && task.status == .running && task.pauseRequested
            if !cancelsPause { try TaskLifecycle.check(action, taskID: id, status: task.status) }
            if action == .restart && task.status == .stopped && (task.control != nil || state.withThread[id] === task) {
                throw .busy("task \(id.prefix(12)) is still unwinding from a stop (its thread has not reached the end of its hooks); restart it once it has ended")
            }
            let transition = try plan(task, on: LifecycleEvent(action), by: action) { target, update in
                update.audit = (action.rawValue, actor, nil)
                return fill(task, target, &update)
            }
            try commit(transition)
        } catch {
            lock.unlock()
            throw error
        }
        lock.unlock()
        return try task(id)
    }
}

extension LiveTask {
    /// A live task from its stored scheduling fields.
    convenience init(_ row: SchedulableTask) {
        self.init(
            id: row.id, type: row.type, seq: row.seq, status: row.status, priority: row.priority, attempt: row.attempt,
            runAt: row.runAt)
        // Whatever the row holds (an old version's values, a hand edit), memory holds usable ones.
        timeoutSeconds = row.timeoutSeconds.flatMap { $0.isFinite && $0 > 0 ? TimeBounds.clampedDuration($0) : nil }
        retriesUsed = row.retriesUsed
        maxRetries = min(max(row.maxRetries, 0), 1000)
        backoff = row.backoff.sanitized()
        isolation = row.isolation
        memoryLimitBytes = row.memoryLimitBytes
        cpuLimitSeconds = row.cpuLimitSeconds
        requeueOnInterrupt = row.requeueOnInterrupt
    }
}
