import Foundation
import TaskKit

extension TaskManager {
    /// Records how an attempt ended and decides what comes next (retry, requeue, terminal).
    ///
    /// An outcome is the one change that is applied to memory before its commit: it happened,
    /// and refusing it would lose it. Until the commit succeeds the task stays in the live table
    /// with `unwrittenOutcome` set (so `show` tells and controls wait), and a failed commit is
    /// retried every second; the event is published only once the outcome is durable.
    /// `exit` and `resultJSON`: a shell command's ending, kept whatever the outcome.
    func finishAttempt(
        taskID: String, attempt: Int, control: RunControl?, outcome reported: AttemptOutcome, exit: ProcessExit? = nil,
        resultJSON: String? = nil
    ) {
        lock.lock()
        guard !state.stopped, let task = state.live[taskID], task.attempt == attempt, task.abandonedAttempt != attempt else {
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
        let before = task.status
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

        switch outcome {
        case .finished(let json):
            update.set(.result(json))
            update.set(.error(nil))
            Self.finishFields(&update, as: .finished, now: now)
            finish(task, as: .finished)
            update.attemptEnded = (attempt, now, "finished", nil)
        case .failed(let message, let errorType):
            fail(task, message: message, errorType: errorType, update: &update, now: now)
        case .stopped(.timeout(let seconds)):
            fail(task, message: StopReason.timeout(seconds: seconds).text, errorType: TaskFailure.timeoutType, update: &update, now: now)
        case .stopped(.user):
            // A paused task that was stopped is already `stopped` on disk; only its attempt closes here.
            if task.status != .stopped {
                Self.finishFields(&update, as: .stopped, now: now)
                finish(task, as: .stopped)
            }
            update.attemptEnded = (attempt, now, "stopped", nil)
        case .stopped(.restart):
            Self.restartFields(&update)
            resetForRestart(task)
            update.attemptEnded = (attempt, now, "stopped for restart", nil)
            state.enqueue(task, now: now)
        case .stopped(.shutdown) where task.isCommand && !task.requeueOnInterrupt:
            // A command cannot continue where it was cut off, and is not assumed safe to run twice.
            let message = "interrupted: the host shut down while it ran (restart the task to run it again)"
            update.set(.error(TaskFailure(message: message, type: "Interrupted", attempt: task.attempt)))
            Self.finishFields(&update, as: .interrupted, now: now)
            finish(task, as: .interrupted)
            update.attemptEnded = (attempt, now, "interrupted", message)
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
        if case .finished = outcome, task.requestedStop == .user {
            // Asked to stop, it finished without reaching a checkpoint: its work is done, and the record says both.
            update.set(.notice("a stop was requested but the task finished before reaching a checkpoint; its result is kept"))
        }
        checkTransition(taskID, from: before, on: Self.event(of: outcome, endingIn: task.status, isCommand: task.isCommand), to: task.status)
        writeOutcome(update, of: task)
        // The scheduler (or a shutdown) has something to do only if a task waits for the freed
        // slot or this one goes back to the queue; sparing the wake-up matters for short tasks.
        if !state.ready.isEmpty || task.status == .pending || !state.acceptingWork { lock.broadcast() }
    }

    /// The lifecycle event an attempt's outcome is, given the status it led to.
    static func event(of outcome: AttemptOutcome, endingIn status: TaskStatus, isCommand: Bool) -> LifecycleEvent {
        switch outcome {
        case .finished: .finish
        case .failed, .stopped(.timeout): status == .pending ? .retry : .fail
        case .stopped(.user): .stopReached
        case .stopped(.restart): .restartReached
        case .stopped(.shutdown): status == .interrupted ? .interrupt : .suspend
        }
    }

    /// What the attempt's end means given what was asked of it: a restart asked of a task that
    /// never reached a checkpoint is still a restart (never silently dropped).
    private func truthfulOutcome(_ reported: AttemptOutcome, for task: LiveTask) -> AttemptOutcome {
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

    /// Queues an outcome's write; called with `lock` held. The task counts as ended in memory at
    /// once; it leaves the live table (and its event is published) when the write commits.
    func writeOutcome(_ update: TaskUpdate, of task: LiveTask) {
        let token = state.nextOutcomeToken()
        task.unwrittenOutcome = UnwrittenOutcome(token: token, status: task.status, attempt: task.attempt, update: update, ticket: nil)
        unwrittenStatuses.withLock { $0[task.id] = task.status }
        let id = task.id
        let ticket = try? storage.enqueue(update) { [weak self] error in
            self?.outcomeCommitted(CommittedOutcomes.Entry(taskID: id, token: token, error: error))
        }
        task.unwrittenOutcome?.ticket = ticket
        if ticket == nil { outcomeCommitted(CommittedOutcomes.Entry(taskID: id, token: token, error: TaskHostError.shuttingDown)) }
    }

    /// The outcome's commit came back, on the committing thread (which may hold `lock` while it
    /// leads a round): settled on another thread, together with the others that came back meanwhile.
    private func outcomeCommitted(_ entry: CommittedOutcomes.Entry) {
        guard committedOutcomes.add(entry) else { return }
        DispatchQueue.global().async { [weak self] in self?.settleCommittedOutcomes() }
    }

    private func settleCommittedOutcomes() {
        lock.lock()
        defer { lock.unlock() }
        while true {
            let entries = committedOutcomes.take()
            if entries.isEmpty { return }
            for entry in entries { outcomeCommittedLocked(entry.taskID, token: entry.token, error: entry.error) }
        }
    }

    /// Settles an outcome whose commit came back, or schedules a retry. Called with `lock` held.
    private func outcomeCommittedLocked(_ id: String, token: UInt64, error: (any Error)?) {
        guard let task = state.live[id], let pending = task.unwrittenOutcome, pending.token == token else { return }
        if let error {
            guard !state.stopped else {
                logger.error("an attempt's outcome could not be written before shutdown", metadata: ["task": "\(task.id)", "error": "\(error)"])
                return
            }
            logger.warning("an attempt's outcome could not be written; retrying every second", metadata: ["task": "\(task.id)", "error": "\(error)"])
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { [weak self] in self?.retryOutcome(id, token: token) }
            return
        }
        settleOutcome(task)
    }

    private func retryOutcome(_ id: String, token: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        guard let task = state.live[id], let pending = task.unwrittenOutcome, pending.token == token, !state.stopped else { return }
        writeOutcome(pending.update, of: task)
    }

    /// An outcome is durable: publish it and forget a terminal task. Called with `lock` held.
    func settleOutcome(_ task: LiveTask) {
        guard let pending = task.unwrittenOutcome else { return }
        task.unwrittenOutcome = nil
        unwrittenStatuses.withLock { _ = $0.removeValue(forKey: task.id) }
        if task.status.isTerminal, task.control == nil, state.live[task.id] === task { state.live[task.id] = nil }
        // Published with the lock held: events go out in the order the changes were made.
        events.publish(.status(taskID: task.id, status: pending.status, attempt: pending.attempt))
        if task.heldForOutcome {
            // The scheduler held its next attempt back until this one was recorded.
            task.heldForOutcome = false
            if task.status == .pending {
                state.enqueue(task, now: Date().timeIntervalSince1970)
                lock.broadcast()
            }
        }
    }

    /// Waits (with `lock` held) for a task's outcome write if one is in flight; throws if it cannot be written now.
    func awaitOutcome(_ task: LiveTask) throws(TaskHostError) {
        guard let pending = task.unwrittenOutcome else { return }
        do {
            try pending.ticket?.wait()
        } catch {
            throw .busy(
                "task \(task.id.prefix(12)) ended (\(pending.status.rawValue)) but the database has not recorded it yet "
                    + "(\(storage.writeProblem ?? "\(error)")); it is retried every second — try again once it is recorded")
        }
        if pending.ticket == nil { throw .shuttingDown }
        settleOutcome(task)
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
            Self.finishFields(&update, as: .failed, now: now)
            finish(task, as: .failed)
        }
    }

    /// The row change that moves a task to a terminal status.
    static func finishFields(_ update: inout TaskUpdate, as status: TaskStatus, now: Double) {
        update.status(status)
        update.set(.finishedAt(now))
        update.set(.waitingReason(nil))
    }

    /// Moves a live task to a terminal status (it leaves the live table once that is durable).
    func finish(_ task: LiveTask, as status: TaskStatus) {
        task.status = status
        task.queueTicket = 0
    }

    /// The row change that clears the results of earlier runs so the task starts from the beginning.
    static func restartFields(_ update: inout TaskUpdate) {
        update.status(.pending)
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
        task.status = .pending
        task.retriesUsed = 0
        task.runAt = nil
        task.requestedStop = nil
    }
}

/// An attempt's outcome that is applied in memory and not yet committed.
///
/// A class: each live task has room for one, nil nearly all the time, and inline it made every
/// task (pending, running or blocked) ~0.2 kB larger.
final class UnwrittenOutcome {
    let token: UInt64
    let status: TaskStatus
    let attempt: Int
    let update: TaskUpdate
    /// Set right after the write is queued; only touched with the manager's lock held.
    var ticket: (any CommitTicket)?

    init(token: UInt64, status: TaskStatus, attempt: Int, update: TaskUpdate, ticket: (any CommitTicket)?) {
        self.token = token
        self.status = status
        self.attempt = attempt
        self.update = update
        self.ticket = ticket
    }
}
