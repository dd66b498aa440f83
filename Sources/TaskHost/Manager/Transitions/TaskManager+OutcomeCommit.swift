import Foundation

extension TaskManager {
    /// The one kind of transition that is applied before its commit, because it must not be
    /// refused: an attempt ended, and refusing it would lose that. The table gives the status
    /// (a move it does not allow is counted as a host bug, and the outcome is still recorded);
    /// the task stays in the live table with `unwrittenOutcome` set until the commit succeeds
    /// (so `show` tells and controls wait), a failed commit is retried every second, and the
    /// event is published only once the outcome is durable. Called with `lock` held.
    func recordOutcome(_ task: LiveTask, on event: LifecycleEvent, update: TaskUpdate, apply: () -> Void) {
        let move = TaskTransitions.move(from: task.status, on: event)
        if move == nil { countViolation(task.id, from: task.status, on: event) }
        // Refused or not, what the event means for an attempt that ran is what is recorded.
        let target = (move ?? TaskTransitions.move(from: .running, on: event))?.target(withLiveAttempt: false)
        var update = update
        if let target {
            update.status(target)
            task.status = target
            if target != .pending { task.queueTicket = 0 }
        }
        apply()
        writeOutcome(update, of: task)
    }

    /// Queues an outcome's write; called with `lock` held. The task counts as ended in memory at
    /// once; it leaves the live table (and its event is published) when the write commits.
    private func writeOutcome(_ update: TaskUpdate, of task: LiveTask) {
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
        publish(task.id, pending.status, attempt: pending.attempt)
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
