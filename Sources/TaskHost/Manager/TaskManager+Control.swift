import Foundation
import TaskKit

extension TaskManager {
    /// Holds a pending task, or asks a running one to block at its next checkpoint.
    @discardableResult
    public func pause(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) -> TaskRecord {
        try control(idOrPrefix, .pause, actor: actor) { task, update in
            switch task.status {
            case .pending:
                update.status(.paused)
                return {
                    task.status = .paused
                    task.queueTicket = 0
                }
            default:
                // Running: the status changes when the thread reaches its checkpoint.
                update.set(.pauseRequested(true))
                return {
                    task.pauseRequested = true
                    task.control?.requestPause()
                }
            }
        }
    }

    /// Lets a paused task continue where it blocked (or from its saved state), or an interrupted
    /// one from its saved state; on a running task whose pause was asked for and not reached, cancels the request.
    @discardableResult
    public func resume(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) -> TaskRecord {
        try control(idOrPrefix, .resume, actor: actor, allowsPauseCancel: true) { task, update in
            if task.status == .running {
                update.set(.pauseRequested(false))
                update.audit = ("resume", actor, "cancelled a pause request")
                return {
                    task.pauseRequested = false
                    task.control?.cancelPauseRequest()
                }
            }
            // Paused with or without a thread, or interrupted: queue it; the scheduler gives it a
            // slot and either wakes its thread or starts a new attempt from the saved state.
            update.status(.pending)
            update.set(.finishedAt(nil))
            update.set(.runAt(nil))
            return { [self] in
                task.status = .pending
                task.runAt = nil
                state.enqueue(task, now: Date().timeIntervalSince1970)
            }
        }
    }

    /// Ends a task: at once if pending or paused, at its next checkpoint if running.
    @discardableResult
    public func stop(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) -> TaskRecord {
        try control(idOrPrefix, .stop, actor: actor) { task, update in
            switch task.status {
            case .running:
                update.set(.stopRequested(true))
                return { [self] in state.requestStop(task, .user) }
            default:
                // Pending, or paused (its thread, if any, unwinds in the background without a slot).
                Self.finishFields(&update, as: .stopped, now: Date().timeIntervalSince1970)
                if state.withThread[task.id] === task { update.recordOpenAttempt = true }
                return { [self] in
                    finish(task, as: .stopped)
                    state.requestStop(task, .user)
                }
            }
        }
    }

    /// Runs a task again from the start with the same id; a running or paused task is stopped first.
    @discardableResult
    public func restart(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) -> TaskRecord {
        try control(idOrPrefix, .restart, actor: actor) { task, update in
            // A thread that exists but has not attached its control yet counts too: the new
            // attempt waits for it to end (two threads of one task would share its slot).
            if task.control != nil || state.withThread[task.id] === task {
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
        events.publish(.deleted(taskID: id))
    }

    /// Deletes terminal tasks that ended before `date` (with their logs, attempts and audit), in
    /// small batches that never hold up submits; returns how many.
    @discardableResult
    public func prune(olderThan date: Date, actor: String = "api") throws(TaskHostError) -> Int {
        let events = events
        return try storage.pruneTasks(endedBefore: date.timeIntervalSince1970, actor: actor, batch: 100) { ids in
            for id in ids { events.publish(.deleted(taskID: id)) }
        }
    }

    /// The one way a control action changes a task: check the transition against the live state,
    /// commit the row change (`plan` fills it, touching no memory), then apply the memory change
    /// `plan` returned, then publish. A commit that fails changes nothing and is reported.
    ///
    /// The manager's lock is held through the commit, so decisions, commits and their application
    /// happen in one order. (Nothing on the commit path takes this lock: `onCommit` callbacks must not.)
    private func control(
        _ idOrPrefix: String, _ action: TaskAction, actor: String, allowsPauseCancel: Bool = false,
        plan: (LiveTask, inout TaskUpdate) -> (() -> Void)
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
            // An outcome in flight is waited for (a few ms), so a control never acts on a stale status.
            try awaitOutcome(task)
            let cancelsPause = allowsPauseCancel && task.status == .running && task.pauseRequested
            if !cancelsPause { try TaskLifecycle.check(action, taskID: id, status: task.status) }
            if action == .restart && task.status == .stopped && (task.control != nil || state.withThread[id] === task) {
                throw .busy("task \(id.prefix(12)) is still unwinding from a stop (its thread has not reached the end of its hooks); restart it once it has ended")
            }
            var update = TaskUpdate(id)
            update.audit = (action.rawValue, actor, nil)
            let apply = plan(task, &update)
            try wait(try storage.enqueue(update))
            let before = task.status
            apply()
            checkControl(id, action, from: before, to: task.status)
            state.live[id] = task.status.isTerminal && task.control == nil ? nil : task
            // Published with the lock held: events go out in the order the changes were made.
            events.publish(.status(taskID: task.id, status: task.status, attempt: task.attempt))
        } catch {
            lock.unlock()
            throw error
        }
        lock.broadcast()
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
