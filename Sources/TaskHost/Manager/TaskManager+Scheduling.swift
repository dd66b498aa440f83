import Foundation
import TaskKit

extension TaskManager {
    /// The scheduler thread: starts what may start, enforces timeouts, sleeps until the next
    /// run time or deadline or until something changes.
    func schedulerLoop() {
        lock.lock()
        while !state.stopped {
            let now = Date().timeIntervalSince1970
            let nextRunAt = state.promoteDue(now: now)
            if state.acceptingWork { startReadyTasks(now: now) }
            let nextDeadline = enforceTimeouts(now: now)
            let wake = [nextRunAt, nextDeadline].compactMap { $0 }.min()
            if let wake {
                // Clamped: a far-future run time or deadline must never reach Foundation's timed wait.
                _ = lock.wait(until: TimeBounds.waitDeadline(wake, now: now))
            } else {
                lock.wait()
            }
        }
        lock.unlock()
        schedulerDone.signal()
    }

    /// Starts ready tasks while slots are free. Called with `lock` held.
    private func startReadyTasks(now: Double) {
        while state.running < configuration.maxRunning, let entry = state.ready.popMax() {
            guard let task = state.current(entry), task.status == .pending || task.status == .paused else { continue }
            guard let type = try? registry.lookup(task.type) else {
                state.blocked[task.type, default: []].append(entry)
                let reason = "waiting for plugin providing '\(task.type)'"
                if task.waitingReason != reason {
                    task.waitingReason = reason
                    var update = TaskUpdate(task.id)
                    update.set(.waitingReason(reason))
                    _ = try? store.enqueue(update)
                }
                continue
            }
            if let limit = type.settings.sanitized().maxConcurrentRuns, state.runningByType[task.type, default: 0] >= limit {
                state.blocked[task.type, default: []].append(entry)
                continue
            }
            task.queueTicket = 0
            task.waitingReason = nil
            state.takeSlot(task)
            if let control = task.control {
                resumeThread(task, control: control)
            } else {
                launch(task, type: type, now: now)
            }
        }
    }

    /// A paused task blocked at a checkpoint got its slot back: let it continue.
    private func resumeThread(_ task: LiveTask, control: RunControl) {
        task.status = .running
        if let pausedAt = task.pausedAt, let deadline = task.deadline {
            // Time spent paused does not count against the timeout.
            task.deadline = deadline + (Date().timeIntervalSince1970 - pausedAt)
        }
        task.pausedAt = nil
        var update = TaskUpdate(task.id)
        update.status(.running)
        update.set(.waitingReason(nil))
        _ = try? store.enqueue(update)
        control.resume()
        publishStatus(task)
    }

    /// Starts a new attempt on a thread of its own.
    private func launch(_ task: LiveTask, type: any BaseTask.Type, now: Double) {
        task.attempt += 1
        let ticket = try? store.enqueue(Self.attemptStartUpdate(task.id, attempt: task.attempt, now: now))
        startThread(task, type: type, now: now, startWrite: ticket)
    }

    /// Marks `task` running in memory and gives its attempt a thread; `startWrite` is the
    /// pending write of its running state, nil when that is durable already. Called with `lock` held.
    func startThread(_ task: LiveTask, type: any BaseTask.Type, now: Double, startWrite: StoreWriter.Ticket?) {
        task.status = .running
        task.runAt = nil
        task.requestedStop = nil
        task.pausedAt = nil
        task.deadline = task.timeoutSeconds.map { now + $0 }
        let attempt = task.attempt
        let id = task.id
        let parameters = task.parameters
        state.withThread[id] = task
        publishStatus(task)
        threads.run { [self] in
            runAttempt(taskID: id, attempt: attempt, type: type, parameters: parameters, startWrite: startWrite)
        }
    }

    /// The row change that starts attempt `attempt` of a task.
    static func attemptStartUpdate(_ id: String, attempt: Int, now: Double) -> TaskUpdate {
        var update = TaskUpdate(id)
        update.status(.running)
        update.set(.attempt(attempt))
        update.set(.startedAt(now))
        update.set(.runAt(nil))
        update.set(.waitingReason(nil))
        update.set(.stopRequested(false))
        update.set(.pauseRequested(false))
        update.set(.notice(nil))
        update.attemptStarted = (attempt, now)
        return update
    }

    /// Asks running tasks past their deadline to stop; returns the nearest future deadline.
    private func enforceTimeouts(now: Double) -> Double? {
        var nearest: Double?
        for task in state.withThread.values where task.status == .running {
            guard let deadline = task.deadline, let timeout = task.timeoutSeconds else { continue }
            if deadline <= now {
                task.deadline = nil
                state.requestStop(task, .timeout(seconds: timeout))
                logger.notice("task timed out", metadata: ["task": "\(task.id)", "timeout": "\(timeout)"])
            } else {
                nearest = min(nearest ?? deadline, deadline)
            }
        }
        return nearest
    }

    /// Called by a task's thread when its saved state did not decode: the attempt started fresh, and `show` and the audit say so.
    func savedStateUndecodable(_ control: RunControl, message: String) {
        var update = TaskUpdate(control.taskID)
        update.set(.notice("attempt \(control.attempt): \(message)"))
        update.audit = ("state_dropped", configuration.hostActor, message)
        _ = try? store.enqueue(update)
        logger.warning("saved state could not be decoded", metadata: ["task": "\(control.taskID)", "reason": "\(message)"])
    }

    /// Called by a task's thread when it blocked at a checkpoint after a pause request.
    func threadReachedPause(_ control: RunControl) {
        lock.lock()
        guard let task = state.live[control.taskID], task.control === control, task.status == .running else {
            lock.unlock()
            return
        }
        task.status = .paused
        task.pauseRequested = false
        task.pausedAt = Date().timeIntervalSince1970
        state.releaseSlot(task)
        var update = TaskUpdate(task.id)
        update.status(.paused)
        update.set(.pauseRequested(false))
        let ticket = try? store.enqueue(update)
        let event = TaskEvent.status(taskID: task.id, status: .paused, attempt: task.attempt)
        lock.broadcast()
        lock.unlock()
        try? ticket?.wait()
        events.publish(event)
    }
}
