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
            if let pending = task.unwrittenOutcome {
                // The previous attempt's outcome comes first, in the database and in the events.
                guard pending.ticket?.succeeded == true else {
                    task.heldForOutcome = true
                    continue
                }
                settleOutcome(task)
                guard state.current(entry) === task else { continue }
            }
            guard let type = try? registry.lookup(task.type) else {
                state.blocked[task.type, default: []].append(entry)
                let reason = "waiting for plugin providing '\(task.type)'"
                if task.waitingReason != reason {
                    task.waitingReason = reason
                    var update = TaskUpdate(task.id)
                    update.set(.waitingReason(reason))
                    enqueueNote(update, what: "waiting reason")
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
                resumeThread(task, control: control, now: now)
            } else {
                launch(task, type: type, now: now)
            }
        }
    }

    /// A paused task blocked at a checkpoint got its slot back: record it running, then let it continue.
    private func resumeThread(_ task: LiveTask, control: RunControl, now: Double) {
        var update = TaskUpdate(task.id)
        update.status(.running)
        update.set(.waitingReason(nil))
        do {
            try wait(try storage.enqueue(update))
        } catch {
            // Not recorded: it stays paused (no CPU) and is tried again in a second.
            state.releaseSlot(task)
            task.runAt = now + 1
            state.enqueue(task, now: now)
            logger.warning("could not record a resume; retrying", metadata: ["task": "\(task.id)", "error": "\(error)"])
            return
        }
        checkTransition(task.id, from: task.status, on: .resumeAttempt, to: .running)
        task.status = .running
        if let pausedAt = task.pausedAt, let deadline = task.deadline {
            // Time spent paused does not count against the timeout.
            task.deadline = deadline + (Date().timeIntervalSince1970 - pausedAt)
        }
        task.pausedAt = nil
        control.resume()
        publishStatus(task)
    }

    /// Starts a new attempt on a thread of its own; its running event goes out once the start is durable.
    private func launch(_ task: LiveTask, type: any BaseTask.Type, now: Double) {
        task.attempt += 1
        let event = TaskEvent.status(taskID: task.id, status: .running, attempt: task.attempt)
        let events = events
        let ticket = try? storage.enqueue(Self.attemptStartUpdate(task.id, attempt: task.attempt, now: now)) { error in
            if error == nil { events.publish(event) }
        }
        startThread(task, type: type, now: now, startWrite: ticket, publish: false)
    }

    /// The start of an attempt could not be recorded: the task goes back to the queue as it was
    /// (its thread never ran the task's code) and is tried again in a second.
    func attemptStartFailed(taskID: String, attempt: Int, error: any Error) {
        lock.lock()
        defer { lock.unlock() }
        guard let task = state.live[taskID], task.attempt == attempt, task.status == .running else { return }
        state.releaseSlot(task)
        state.withThread[taskID] = nil
        task.control = nil
        task.deadline = nil
        task.attempt -= 1
        let now = Date().timeIntervalSince1970
        // What was asked of it meanwhile still holds, as it would for a pending task.
        if task.requestedStop == .user {
            var update = TaskUpdate(taskID)
            Self.finishFields(&update, as: .stopped, now: now)
            update.set(.stopRequested(false))
            finish(task, as: .stopped)
            writeOutcome(update, of: task)
        } else if task.pauseRequested {
            var update = TaskUpdate(taskID)
            update.status(.paused)
            update.set(.pauseRequested(false))
            task.pauseRequested = false
            task.status = .paused
            task.queueTicket = 0
            writeOutcome(update, of: task)
        } else {
            task.requestedStop = nil
            checkTransition(taskID, from: task.status, on: .startNotRecorded, to: .pending)
            task.status = .pending
            task.runAt = now + 1
            state.enqueue(task, now: now)
        }
        lock.broadcast()
        logger.warning("could not record the start of an attempt; retrying", metadata: ["task": "\(taskID)", "error": "\(error)"])
    }

    /// Marks `task` running in memory and gives its attempt a thread; `startWrite` is the
    /// pending write of its running state, nil when that is durable already. Called with `lock` held.
    func startThread(_ task: LiveTask, type: any BaseTask.Type, now: Double, startWrite: (any CommitTicket)?, publish: Bool = true) {
        threads.run(prepareThread(task, type: type, now: now, startWrite: startWrite, publish: publish))
    }

    /// Like `startThread`, but returns the attempt for the caller to hand to `threads` once it has released `lock`.
    func prepareThread(
        _ task: LiveTask, type: any BaseTask.Type, now: Double, startWrite: (any CommitTicket)?, publish: Bool = true
    ) -> TaskThreadPool.Job {
        checkTransition(task.id, from: task.status, on: .launch, to: .running)
        task.status = .running
        task.runAt = nil
        task.requestedStop = nil
        task.pausedAt = nil
        task.deadline = task.timeoutSeconds.map { now + $0 }
        let attempt = task.attempt
        let id = task.id
        let parameters = task.parameters
        let worker = task.isolation == .process ? WorkerPlan(memoryLimitBytes: task.memoryLimitBytes, cpuLimitSeconds: task.cpuLimitSeconds) : nil
        state.withThread[id] = task
        if publish { publishStatus(task) }
        return { [self] in
            runAttempt(taskID: id, attempt: attempt, type: type, parameters: parameters, startWrite: startWrite, worker: worker)
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
        update.set(.exit(nil))
        update.attemptStarted = (attempt, now)
        return update
    }

    /// Asks running tasks past their deadline to stop, and fails the attempt of one whose thread
    /// has not unwound `timeoutGrace` later (it never reached a checkpoint; the thread is left to
    /// end on its own and its late outcome is discarded). Returns the nearest future deadline.
    private func enforceTimeouts(now: Double) -> Double? {
        var nearest: Double?
        for task in Array(state.withThread.values) where task.status == .running {
            guard let deadline = task.deadline, let timeout = task.timeoutSeconds else { continue }
            let abandonAt = deadline + Self.timeoutGrace
            // A worker is killed by its driver within the grace; only a thread must be abandoned.
            if now >= abandonAt, task.isolation == .thread {
                task.abandonedAttempt = task.attempt
                // Its thread may go on; nothing it reports from now on is taken.
                task.control?.abandon()
                let message = StopReason.timeout(seconds: timeout).text + "; the thread was still running (it never reached a checkpoint)"
                logger.warning("task timed out without reaching a checkpoint; its thread is abandoned", metadata: ["task": "\(task.id)"])
                endAttempt(task, attempt: task.attempt, outcome: .failed(message: message, errorType: TaskFailure.timeoutType))
                continue
            }
            if now >= deadline, task.requestedStop == nil {
                state.requestStop(task, .timeout(seconds: timeout))
                logger.notice("task timed out", metadata: ["task": "\(task.id)", "timeout": "\(timeout)"])
            }
            let next = now >= deadline ? abandonAt : deadline
            nearest = min(nearest ?? next, next)
        }
        return nearest
    }

    /// Queues an informational change (a waiting reason, a notice) that nobody waits for; a
    /// failure is logged (the host is degraded then, and health says so), never silent.
    func enqueueNote(_ update: TaskUpdate, what: String) {
        let logger = logger
        let id = update.taskID
        do {
            _ = try storage.enqueue(update) { error in
                if let error { logger.warning("could not record a \(what)", metadata: ["task": "\(id)", "error": "\(error)"]) }
            }
        } catch {
            logger.warning("could not record a \(what)", metadata: ["task": "\(id)", "error": "\(error)"])
        }
    }

    /// How long a timed-out attempt gets to reach a checkpoint before it is failed without it.
    static let timeoutGrace: Double = 1

    // RunControlOwner: the calls a task's thread makes into the manager.

    /// Called by a task's thread when its saved state did not decode: the attempt started fresh, and `show` and the audit say so.
    func savedStateUndecodable(_ control: RunControl, message: String) {
        var update = TaskUpdate(control.taskID)
        update.set(.notice("attempt \(control.attempt): \(message)"))
        update.audit = ("state_dropped", configuration.hostActor, message)
        enqueueNote(update, what: "saved-state notice")
        logger.warning("saved state could not be decoded", metadata: ["task": "\(control.taskID)", "reason": "\(message)"])
    }

    /// Called by a task's thread when it blocked at a checkpoint after a pause request: record
    /// the pause, then apply it. If the pause was cancelled meanwhile (a resume), the thread goes
    /// on; if it cannot be recorded, the thread stays blocked (no CPU), the task stays `running`
    /// with its pause requested, and the write is tried again every second.
    func threadReachedPause(_ control: RunControl) {
        lock.lock()
        defer { lock.unlock() }
        // A stop asked for meanwhile wins: the thread unwinds from this checkpoint, never shown paused.
        guard let task = state.live[control.taskID], task.control === control, task.status == .running, task.pauseRequested,
            task.requestedStop == nil, state.acceptingWork
        else {
            control.resume()
            return
        }
        var update = TaskUpdate(task.id)
        update.status(.paused)
        update.set(.pauseRequested(false))
        do {
            try wait(try storage.enqueue(update))
        } catch {
            logger.warning("could not record a pause; retrying every second", metadata: ["task": "\(task.id)", "error": "\(error)"])
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { [weak self] in self?.threadReachedPause(control) }
            return
        }
        checkTransition(task.id, from: task.status, on: .reachPause, to: .paused)
        task.status = .paused
        task.pauseRequested = false
        task.pausedAt = Date().timeIntervalSince1970
        state.releaseSlot(task)
        publishStatus(task)
        lock.broadcast()
    }

    /// Waits for a write's commit, mapping its error.
    func wait(_ ticket: (any CommitTicket)?) throws(TaskHostError) {
        do { try ticket?.wait() } catch {
            throw error as? TaskHostError ?? .storage(StorageError(.other, message: "\(error)", context: "writing"))
        }
    }
}

extension TaskManager: RunControlOwner {}
