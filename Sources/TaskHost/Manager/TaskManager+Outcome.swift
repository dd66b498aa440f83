import Foundation
import TaskKit

extension TaskManager {
    /// Records how an attempt ended and decides what comes next (retry, requeue, terminal),
    /// through `recordOutcome`. `exit` and `resultJSON`: a shell command's ending, kept whatever the outcome.
    func finishAttempt(
        taskID: String, attempt: Int, control: RunControl?, outcome reported: AttemptOutcome, exit: ProcessExit? = nil,
        resultJSON: String? = nil
    ) {
        lock.lock()
        guard let task = currentAttempt(taskID, attempt) else {
            lock.unlock()
            logger.notice("a late outcome of an attempt already ended was discarded", metadata: ["task": "\(taskID)", "attempt": "\(attempt)"])
            return
        }
        endAttempt(task, attempt: attempt, outcome: reported, exit: exit, resultJSON: resultJSON)
        lock.unlock()
    }

    /// Ends the current attempt of `task` with `reported`; called with `lock` held.
    func endAttempt(_ task: LiveTask, attempt: Int, outcome reported: AttemptOutcome, exit: ProcessExit? = nil, resultJSON: String? = nil) {
        let taskID = task.id
        let now = Date().timeIntervalSince1970
        let outcome = truthfulOutcome(reported, for: task)
        let event = Self.event(of: outcome, for: task)
        state.releaseSlot(task)
        state.withThread[taskID] = nil
        task.control = nil
        controls.withLock { _ = $0.removeValue(forKey: taskID) }
        task.deadline = nil
        task.pauseRequested = false
        var update = TaskUpdate(taskID)
        update.set(.stopRequested(false))
        update.set(.pauseRequested(false))
        // The attempt ended with the host alive: the crash-loop count starts again.
        update.set(.hostDeaths(0))
        if task.isCommand {
            update.set(.exit(exit))
            if let resultJSON { update.set(.result(resultJSON)) }
        }
        var apply: () -> Void = {}
        switch outcome {
        case .finished(let json):
            update.set(.result(json))
            update.set(.error(nil))
            Self.finishFields(&update, now: now)
            update.attemptEnded = (attempt, now, "finished", nil)
            if task.requestedStop == .user {
                // Asked to stop, it finished without reaching a checkpoint: its work is done, and the record says both.
                update.set(.notice("a stop was requested but the task finished before reaching a checkpoint; its result is kept"))
            }
        case .failed(let message, let errorType):
            apply = fail(task, message: message, errorType: errorType, retry: event == .retry, update: &update, now: now)
        case .stopped(.timeout(let seconds)):
            apply = fail(task, message: StopReason.timeout(seconds: seconds).text, errorType: TaskFailure.timeoutType, retry: event == .retry, update: &update, now: now)
        case .stopped(.user):
            // A paused task that was stopped is already `stopped` on disk; only its attempt closes here.
            if task.status != .stopped { Self.finishFields(&update, now: now) }
            update.attemptEnded = (attempt, now, "stopped", nil)
        case .stopped(.restart):
            Self.restartFields(&update)
            update.attemptEnded = (attempt, now, "stopped for restart", nil)
            apply = { [self] in
                resetForRestart(task)
                state.enqueue(task, now: now)
            }
        case .stopped(.shutdown) where event == .interrupt:
            // A command cannot continue where it was cut off, and is not assumed safe to run twice.
            let message = "interrupted: the host shut down while it ran (restart the task to run it again)"
            update.set(.error(TaskFailure(message: message, type: "Interrupted", attempt: task.attempt)))
            Self.finishFields(&update, now: now)
            update.attemptEnded = (attempt, now, "interrupted", message)
        case .stopped(.shutdown):
            if task.status == .paused {
                update.attemptEnded = (attempt, now, "paused", nil)
            } else {
                update.set(.waitingReason("suspended by a host shutdown; continues from its saved state"))
                update.attemptEnded = (attempt, now, "suspended by shutdown", nil)
            }
        }
        recordOutcome(task, on: event, update: update, apply: apply)
        // The scheduler (or a shutdown) has something to do only if a task waits for the freed
        // slot or this one goes back to the queue; sparing the wake-up matters for short tasks.
        if !state.ready.isEmpty || task.status == .pending || !state.acceptingWork { lock.broadcast() }
    }

    /// The lifecycle event an attempt's outcome is for this task: a failure with a retry left is
    /// a retry; a command cut off by a shutdown (not asked to be requeued) is interrupted.
    static func event(of outcome: AttemptOutcome, for task: LiveTask) -> LifecycleEvent {
        switch outcome {
        case .finished: .finish
        case .failed, .stopped(.timeout): task.retriesUsed < task.maxRetries ? .retry : .fail
        case .stopped(.user): .stopReached
        case .stopped(.restart): .restartReached
        case .stopped(.shutdown): task.isCommand && !task.requeueOnInterrupt ? .interrupt : .suspend
        }
    }

    /// What the attempt's end means given what was asked of it: a restart asked of a task that
    /// never reached a checkpoint is still a restart (never silently dropped).
    private func truthfulOutcome(_ reported: AttemptOutcome, for task: LiveTask) -> AttemptOutcome {
        // Stopped by the user while paused, it is `stopped` on disk: however its attempt then
        // unwinds (a shutdown, its worker killed), only the attempt closes.
        if task.status == .stopped { return .stopped(.user) }
        switch (task.requestedStop, reported) {
        case (.restart?, .finished), (.restart?, .failed):
            return .stopped(.restart)
        case (let asked?, .stopped(let seen)) where asked != seen && asked.replaces(seen):
            // The thread unwound for an earlier request; the last one acknowledged is what happens.
            return .stopped(asked)
        default:
            return reported
        }
    }

    /// A failed attempt: back to pending after the backoff while retries are left (`retry`),
    /// else failed. Fills the row; returns the memory side.
    private func fail(_ task: LiveTask, message fullMessage: String, errorType: String, retry: Bool, update: inout TaskUpdate, now: Double) -> () -> Void {
        // A plugin's error text is not trusted to be small.
        let message = configuration.limits.clippedLogLine(fullMessage)
        update.set(.error(TaskFailure(message: message, type: errorType, attempt: task.attempt)))
        update.attemptEnded = (task.attempt, now, "failed", message)
        guard retry else {
            Self.finishFields(&update, now: now)
            return {}
        }
        let retriesUsed = task.retriesUsed + 1
        let runAt = now + TimeBounds.clampedDuration(task.backoff.delay(beforeRetry: retriesUsed))
        update.set(.retriesUsed(retriesUsed))
        update.set(.runAt(runAt))
        update.set(.waitingReason("retry \(retriesUsed) of \(task.maxRetries) after: \(message)"))
        return { [self] in
            task.retriesUsed = retriesUsed
            task.runAt = runAt
            state.enqueue(task, now: now)
        }
    }

    /// The row fields beside the status of a move to a terminal status.
    static func finishFields(_ update: inout TaskUpdate, now: Double) {
        update.set(.finishedAt(now))
        update.set(.waitingReason(nil))
    }

    /// The row fields (beside the status) that clear the results of earlier runs so the task starts from the beginning.
    static func restartFields(_ update: inout TaskUpdate) {
        update.set(.retriesUsed(0))
        update.set(.runAt(nil))
        update.set(.result(nil))
        update.set(.exit(nil))
        update.set(.finishedAt(nil))
        update.set(.progress(nil))
        update.set(.waitingReason(nil))
        update.set(.notice(nil))
        // A restart is the user's "try again": the crash-loop count starts over.
        update.set(.hostDeaths(0))
        update.clearSavedState = true
        update.set(.error(nil))
    }

    /// The memory side of `restartFields`.
    func resetForRestart(_ task: LiveTask) {
        task.retriesUsed = 0
        task.runAt = nil
        task.requestedStop = nil
    }
}
