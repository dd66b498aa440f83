import Foundation
import TaskKit

extension TaskManager {
    /// Records how an attempt ended and decides what comes next (retry, requeue, terminal).
    func finishAttempt(taskID: String, attempt: Int, control: RunControl?, outcome: AttemptOutcome) {
        lock.lock()
        guard !state.stopped, let task = state.live[taskID], task.attempt == attempt else {
            lock.unlock()
            return
        }
        let now = Date().timeIntervalSince1970
        state.releaseSlot(task)
        state.withThread[taskID] = nil
        task.control = nil
        task.deadline = nil
        task.pauseRequested = false
        var update = TaskUpdate(taskID)
        update.set(.stopRequested(false))
        update.set(.pauseRequested(false))
        // The attempt ended with the host alive: the crash-loop count starts again.
        update.set(.hostDeaths(0))

        switch outcome {
        case .finished(let json):
            update.set(.result(json))
            clearError(&update)
            finish(task, as: .finished, update: &update, now: now)
            update.attemptEnded = (attempt, now, "finished", nil)
        case .failed(let message, let errorType):
            fail(task, message: message, errorType: errorType, update: &update, now: now)
        case .stopped(.timeout(let seconds)):
            fail(task, message: StopReason.timeout(seconds: seconds).text, errorType: "Timeout", update: &update, now: now)
        case .stopped(.user):
            // A paused task that was stopped is already `stopped` on disk; only its attempt closes here.
            if task.status != .stopped { finish(task, as: .stopped, update: &update, now: now) }
            state.live[taskID] = nil
            update.attemptEnded = (attempt, now, "stopped", nil)
        case .stopped(.restart):
            resetForRestart(task, update: &update)
            update.attemptEnded = (attempt, now, "stopped for restart", nil)
            state.enqueue(task, now: now)
        case .stopped(.shutdown):
            if task.status == .paused {
                update.attemptEnded = (attempt, now, "paused", nil)
            } else {
                task.status = .pending
                update.status(.pending)
                update.set(.waitingReason("suspended by a host shutdown; continues from its saved state"))
                update.attemptEnded = (attempt, now, "suspended by shutdown", nil)
            }
        }
        let event = TaskEvent.status(taskID: task.id, status: task.status, attempt: task.attempt)
        // Published once durable: a subscriber that reads the task back sees this status. The
        // thread does not wait for the commit: the write usually rides along in the next one.
        let events = events
        _ = try? store.enqueue(update) { _ in events.publish(event) }
        // The scheduler (or a shutdown) has something to do only if a task waits for the freed
        // slot or this one goes back to the queue; sparing the wake-up matters for short tasks.
        if !state.ready.isEmpty || task.status == .pending || !state.acceptingWork { lock.broadcast() }
        lock.unlock()
    }

    /// A failed attempt: back to pending after the backoff while retries are left, else failed.
    private func fail(_ task: LiveTask, message fullMessage: String, errorType: String, update: inout TaskUpdate, now: Double) {
        // A plugin's error text is not trusted to be small.
        let message = configuration.limits.clippedLogLine(fullMessage)
        update.set(.error(TaskFailure(message: message, type: errorType, attempt: task.attempt)))
        update.attemptEnded = (task.attempt, now, "failed", message)
        if task.retriesUsed < task.maxRetries {
            task.retriesUsed += 1
            let runAt = now + TimeBounds.clampedDuration(task.backoff.delay(beforeRetry: task.retriesUsed))
            task.status = .pending
            task.runAt = runAt
            update.status(.pending)
            update.set(.retriesUsed(task.retriesUsed))
            update.set(.runAt(runAt))
            update.set(.waitingReason("retry \(task.retriesUsed) of \(task.maxRetries) after: \(message)"))
            state.enqueue(task, now: now)
        } else {
            finish(task, as: .failed, update: &update, now: now)
        }
    }

    /// Moves a task to a terminal status and forgets it in memory.
    func finish(_ task: LiveTask, as status: TaskStatus, update: inout TaskUpdate, now: Double) {
        task.status = status
        task.queueTicket = 0
        update.status(status)
        update.set(.finishedAt(now))
        update.set(.waitingReason(nil))
        if task.control == nil { state.live[task.id] = nil }
    }

    /// Clears the results of earlier runs so the task starts from the beginning.
    func resetForRestart(_ task: LiveTask, update: inout TaskUpdate) {
        task.status = .pending
        task.retriesUsed = 0
        task.runAt = nil
        task.requestedStop = nil
        update.status(.pending)
        update.set(.retriesUsed(0))
        update.set(.runAt(nil))
        update.set(.result(nil))
        update.set(.finishedAt(nil))
        update.set(.progress(nil))
        update.set(.waitingReason(nil))
        update.clearSavedState = true
        clearError(&update)
    }

    func clearError(_ update: inout TaskUpdate) {
        update.set(.error(nil))
    }
}
