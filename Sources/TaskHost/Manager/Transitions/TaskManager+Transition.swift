import Synchronization

/// A change of one task's state the table allowed, with its row change built, not yet committed.
struct PlannedTransition {
    let task: LiveTask
    let event: LifecycleEvent
    /// The status the table moves it to; nil when it keeps its status (a request is recorded).
    let target: TaskStatus?
    let update: TaskUpdate
    /// The memory change besides the status, run once the row change is durable.
    let apply: () -> Void
}

extension TaskManager {
    /// The first step of every change of a task's state: the event is checked against the one
    /// table (`TaskTransitions`), which alone says the status it leads to; `plan` fills the row's
    /// other fields and returns their memory side. Nothing is written or changed yet. Called with `lock` held.
    ///
    /// `action`: the user's control this event is (its refusal names the statuses allowing it);
    /// a host event the table refuses is a host bug: logged, counted and refused.
    func plan(
        _ task: LiveTask, on event: LifecycleEvent, by action: TaskAction? = nil,
        _ plan: (_ target: TaskStatus?, _ update: inout TaskUpdate) -> (() -> Void) = { _, _ in {} }
    ) throws(TaskHostError) -> PlannedTransition {
        guard let move = TaskTransitions.move(from: task.status, on: event) else {
            if let action {
                throw .illegalTransition(taskID: task.id, status: task.status, action: action, allowed: TaskLifecycle.allowedStatuses(for: action))
            }
            countViolation(task.id, from: task.status, on: event)
            throw .busy("task \(task.id.prefix(12)) cannot take '\(event.rawValue)' while \(task.status.rawValue) (a host fault, logged)")
        }
        let target = move.target(withLiveAttempt: task.control != nil || state.withThread[task.id] === task)
        var update = TaskUpdate(task.id)
        if let target { update.status(target) }
        let apply = plan(target, &update)
        return PlannedTransition(task: task, event: event, target: target, update: update, apply: apply)
    }

    /// Commits planned transitions in one round, then applies and publishes each that committed,
    /// in order; one that did not commit changes nothing and its error is returned in its place.
    /// Called with `lock` held (nothing on the commit path takes it): decisions, commits and
    /// their application happen in one order.
    @discardableResult
    func commit(_ transitions: [PlannedTransition]) -> [TaskHostError?] {
        var results: [TaskHostError?] = []
        var tickets: [(any CommitTicket)?] = []
        for transition in transitions {
            do {
                tickets.append(try storage.enqueue(transition.update))
                results.append(nil)
            } catch {
                tickets.append(nil)
                results.append(error)
            }
        }
        // The last first: waiting on it commits every write queued before it in one round.
        for index in tickets.indices.reversed() {
            guard let ticket = tickets[index] else { continue }
            do { try wait(ticket) } catch { results[index] = error }
        }
        for (transition, error) in zip(transitions, results) where error == nil {
            apply(transition)
        }
        if results.contains(where: { $0 == nil }) { lock.broadcast() }
        return results
    }

    /// Commits one planned transition, then applies and publishes it; throws (changing nothing) if it cannot be committed.
    func commit(_ transition: PlannedTransition) throws(TaskHostError) {
        if let error = commit([transition]).first ?? nil { throw error }
    }

    /// Applies a transition whose row change is durable, and publishes it. Called with `lock` held.
    func apply(_ transition: PlannedTransition) {
        let task = transition.task
        if let target = transition.target {
            task.status = target
            // Only a pending task is queued; whatever queue entry it had is stale now.
            if target != .pending { task.queueTicket = 0 }
        }
        transition.apply()
        // A terminal task leaves memory once nothing of it is live; a restarted one (read from its row) enters it.
        if task.status.isTerminal, task.control == nil, task.unwrittenOutcome == nil {
            if state.live[task.id] === task { state.live[task.id] = nil }
        } else {
            state.live[task.id] = task
        }
        publish(task)
    }

    /// The one place a task's status is announced: after its change is durable and applied.
    /// Called with `lock` held, so events go out in the order the changes were made.
    func publish(_ task: LiveTask) {
        publish(task.id, task.status, attempt: task.attempt)
    }

    /// Announces a status (of an outcome settled after its commit, which memory may have moved on from).
    func publish(_ taskID: String, _ status: TaskStatus, attempt: Int) {
        events.publish(.status(taskID: taskID, status: status, attempt: attempt))
    }

    /// Announces tasks that are gone (deleted, pruned).
    func publishRemoved(_ ids: some Sequence<String>) {
        for id in ids { events.publish(.deleted(taskID: id)) }
    }

    /// Counts a host event the table does not allow; a correct host keeps the count at 0.
    func countViolation(_ taskID: String, from status: TaskStatus, on event: LifecycleEvent) {
        lifecycleViolations.add(1, ordering: .relaxed)
        lifecycleViolationSamples.withLock { if $0.count < 20 { $0.append("\(status.rawValue) --\(event.rawValue)-->") } }
        logger.error(
            "a transition the lifecycle table does not allow",
            metadata: ["task": "\(taskID)", "from": "\(status.rawValue)", "event": "\(event.rawValue)"])
    }

    /// Waits for a write's commit, mapping its error.
    func wait(_ ticket: (any CommitTicket)?) throws(TaskHostError) {
        do { try ticket?.wait() } catch {
            throw error as? TaskHostError ?? .storage(StorageError(.other, message: "\(error)", context: "writing"))
        }
    }
}
