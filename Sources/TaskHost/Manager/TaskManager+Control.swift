import Foundation
import TaskKit

extension TaskManager {
    /// Holds a pending task, or asks a running one to block at its next checkpoint.
    @discardableResult
    public func pause(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) -> TaskRecord {
        try control(idOrPrefix, .pause, actor: actor) { task, update in
            switch task.status {
            case .pending:
                task.status = .paused
                task.queueTicket = 0
                update.status(.paused)
            default:
                // Running: the status changes when the thread reaches its checkpoint.
                task.pauseRequested = true
                task.control?.requestPause()
                update.set(.pauseRequested(true))
            }
        }
    }

    /// Lets a paused task continue where it blocked (or from its saved state), or an interrupted one from its saved state.
    @discardableResult
    public func resume(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) -> TaskRecord {
        let id = try store.resolveID(idOrPrefix)
        // Resuming a running task whose pause was asked for but not reached just cancels the request.
        lock.lock()
        if let task = state.live[id], task.status == .running, task.pauseRequested {
            task.pauseRequested = false
            task.control?.cancelPauseRequest()
            var update = TaskUpdate(id)
            update.set(.pauseRequested(false))
            update.audit = ("resume", actor, "cancelled a pause request")
            let ticket = try? store.enqueue(update)
            lock.unlock()
            try wait(ticket)
            return try store.record(id)
        }
        lock.unlock()
        return try control(id, .resume, actor: actor) { task, update in
            // Paused with or without a thread, or interrupted: queue it; the scheduler gives it a
            // slot and either wakes its thread or starts a new attempt from the saved state.
            task.status = .pending
            task.runAt = nil
            update.status(.pending)
            update.set(.finishedAt(nil))
            update.set(.runAt(nil))
            state.enqueue(task, now: Date().timeIntervalSince1970)
        }
    }

    /// Ends a task: at once if pending or paused, at its next checkpoint if running.
    @discardableResult
    public func stop(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) -> TaskRecord {
        try control(idOrPrefix, .stop, actor: actor) { task, update in
            let now = Date().timeIntervalSince1970
            switch task.status {
            case .running:
                state.requestStop(task, .user)
                update.set(.stopRequested(true))
            default:
                // Pending, or paused (its thread, if any, unwinds in the background without a slot).
                finish(task, as: .stopped, update: &update, now: now)
                state.requestStop(task, .user)
            }
        }
    }

    /// Runs a task again from the start with the same id; a running or paused task is stopped first.
    @discardableResult
    public func restart(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) -> TaskRecord {
        try control(idOrPrefix, .restart, actor: actor) { task, update in
            if task.control != nil {
                state.requestStop(task, .restart)
                update.set(.stopRequested(true))
            } else {
                resetForRestart(task, update: &update)
                state.enqueue(task, now: Date().timeIntervalSince1970)
            }
        }
    }

    /// Removes a terminal task with its logs and history.
    public func delete(_ idOrPrefix: String, actor: String = "api") throws(TaskHostError) {
        let id = try store.resolveID(idOrPrefix)
        let record = try store.record(id)
        try TaskLifecycle.check(.delete, taskID: id, status: record.status)
        let deleted = try store.deleteTasks(
            where: "id = ? AND status IN ('finished', 'failed', 'stopped', 'interrupted')", [.text(id)],
            audit: ("delete", actor, id))
        guard !deleted.isEmpty else {
            // It was restarted in between.
            let now = try store.record(id)
            throw .illegalTransition(taskID: id, status: now.status, action: .delete, allowed: TaskLifecycle.allowedStatuses(for: .delete))
        }
        events.publish(.deleted(taskID: id))
    }

    /// Deletes terminal tasks that ended before `date`; returns how many.
    @discardableResult
    public func prune(olderThan date: Date, actor: String = "api") throws(TaskHostError) -> Int {
        let deleted = try store.deleteTasks(
            where: "status IN ('finished', 'failed', 'stopped', 'interrupted') AND finished_at < ?",
            [.real(date.timeIntervalSince1970)], audit: ("prune", actor, nil))
        for id in deleted { events.publish(.deleted(taskID: id)) }
        return deleted.count
    }

    /// Checks the transition, applies `change` to the live task (creating it for a terminal
    /// one), queues the write under the lock, and returns the record once it is durable.
    private func control(
        _ idOrPrefix: String, _ action: TaskAction, actor: String, change: (LiveTask, inout TaskUpdate) -> Void
    ) throws(TaskHostError) -> TaskRecord {
        let id = try store.resolveID(idOrPrefix)
        lock.lock()
        guard state.acceptingWork else {
            lock.unlock()
            throw .shuttingDown
        }
        let task: LiveTask
        do throws(TaskHostError) {
            if let live = state.live[id] {
                task = live
            } else {
                // Terminal tasks are not kept in memory; read the row (no write can race: this lock is held).
                task = LiveTask(try store.schedulable(id))
            }
            try TaskLifecycle.check(action, taskID: id, status: task.status)
            if action == .restart && task.status == .stopped && task.control != nil {
                throw .busy("task \(id.prefix(12)) is still unwinding from a stop (its thread has not reached the end of its hooks); restart it once it has ended")
            }
        } catch {
            lock.unlock()
            throw error
        }
        var update = TaskUpdate(id)
        update.audit = (action.rawValue, actor, nil)
        change(task, &update)
        if !task.status.isTerminal || task.control != nil { state.live[id] = task }
        let ticket: StoreWriter.Ticket
        do { ticket = try store.enqueue(update) } catch {
            lock.unlock()
            throw error
        }
        let event = TaskEvent.status(taskID: task.id, status: task.status, attempt: task.attempt)
        lock.broadcast()
        lock.unlock()
        try wait(ticket)
        events.publish(event)
        return try store.record(id)
    }

    private func wait(_ ticket: StoreWriter.Ticket?) throws(TaskHostError) {
        do { try ticket?.wait() } catch let error as TaskHostError {
            throw error
        } catch let error as SQLiteError {
            throw .storage(error)
        } catch {
            throw .storage(SQLiteError(code: 1, message: "\(error)", context: "writing"))
        }
    }
}

extension LiveTask {
    /// A live task from its stored scheduling fields.
    convenience init(_ row: SchedulableTask) {
        self.init(
            id: row.id, type: row.type, seq: row.seq, status: row.status, priority: row.priority, attempt: row.attempt,
            runAt: row.runAt)
        timeoutSeconds = row.timeoutSeconds
        retriesUsed = row.retriesUsed
        maxRetries = row.maxRetries
        backoff = row.backoff
    }
}
