import Foundation
import TaskKit

/// A new attempt's start, queued for commit: the task is still pending in memory until it is durable.
final class StartInFlight {
    let transition: PlannedTransition
    let ticket: any CommitTicket

    init(transition: PlannedTransition, ticket: any CommitTicket) {
        self.transition = transition
        self.ticket = ticket
    }
}

extension TaskManager {
    /// A slot was taken for `task` (pending): its new attempt's start is queued for commit and a
    /// thread given the attempt. The thread waits for the start to be durable before it runs the
    /// task's code; the task becomes `running` in memory and is announced then (`settleStart`),
    /// never before. Called with `lock` held.
    func launch(_ task: LiveTask, type: any BaseTask.Type, now: Double) {
        let attempt = task.attempt + 1
        let transition: PlannedTransition
        let ticket: any CommitTicket
        do {
            transition = try plan(task, on: .launch) { _, update in
                Self.attemptStartFields(&update, attempt: attempt, now: now)
                return { [self] in attemptStarted(task, attempt: attempt) }
            }
            ticket = try storage.enqueue(transition.update)
        } catch {
            startNotRecorded(task, error: error)
            return
        }
        task.startInFlight = StartInFlight(transition: transition, ticket: ticket)
        threads.run(prepareThread(task, type: type, attempt: attempt, startWrite: ticket))
    }

    /// A task whose start was committed with its row (a submit that starts at once): running now.
    /// Returns its attempt for the caller to hand to `threads` once it has released `lock`.
    func launchInserted(_ task: LiveTask, type: any BaseTask.Type) -> TaskThreadPool.Job? {
        guard let transition = try? plan(task, on: .launch, { _, _ in { [self] in attemptStarted(task, attempt: 1) } }) else { return nil }
        apply(transition)
        return prepareThread(task, type: type, attempt: 1, startWrite: nil)
    }

    /// The memory side of a start that is durable.
    private func attemptStarted(_ task: LiveTask, attempt: Int) {
        task.attempt = attempt
        task.runAt = nil
        task.pausedAt = nil
        task.deadline = task.timeoutSeconds.map { Date().timeIntervalSince1970 + $0 }
    }

    /// Applies a start in flight whose commit came back (running, announced), or puts a task whose
    /// start could not be recorded back in the queue; nothing while the commit is pending. Called with `lock` held.
    func settleStart(_ task: LiveTask) {
        guard let start = task.startInFlight, let succeeded = start.ticket.succeeded else { return }
        task.startInFlight = nil
        if succeeded {
            apply(start.transition)
            // The scheduler must learn the attempt's deadline: it sleeps until the nearest one.
            if task.deadline != nil { lock.broadcast() }
            return
        }
        do { try start.ticket.wait() } catch {
            startNotRecorded(task, error: error)
        }
    }

    /// Waits (with `lock` held) for a start in flight to commit or fail, then settles it.
    func awaitStart(_ task: LiveTask) {
        guard let start = task.startInFlight else { return }
        try? start.ticket.wait()
        settleStart(task)
    }

    /// The live task whose current attempt is `attempt`, its start settled; nil once the host
    /// stopped deciding, or for an attempt that ended, was abandoned or whose start is not durable.
    /// Called with `lock` held, by the attempt's thread.
    func currentAttempt(_ taskID: String, _ attempt: Int) -> LiveTask? {
        guard let task = state.live[taskID] else { return nil }
        settleStart(task)
        guard !state.stopped, task.attempt == attempt, task.abandonedAttempt != attempt, task.startInFlight == nil else { return nil }
        return task
    }

    /// Called by a task's thread whose start could not be recorded: it never ran the task's code.
    func startNotDurable(taskID: String) {
        lock.lock()
        if let task = state.live[taskID] { settleStart(task) }
        lock.unlock()
    }

    /// The start of an attempt could not be recorded: the task stays pending as it was (no
    /// status changed) and is tried again in a second. Called with `lock` held.
    private func startNotRecorded(_ task: LiveTask, error: any Error) {
        if state.withThread[task.id] === task { state.withThread[task.id] = nil }
        requeueInASecond(task)
        lock.broadcast()
        logger.warning("could not record the start of an attempt; retrying", metadata: ["task": "\(task.id)", "error": "\(error)"])
    }

    /// Gives back the slot of a task whose start or resume could not be recorded, and queues it again a second from now.
    private func requeueInASecond(_ task: LiveTask) {
        state.releaseSlot(task)
        let now = Date().timeIntervalSince1970
        task.runAt = now + 1
        state.enqueue(task, now: now)
    }

    /// Gives attempt `attempt` of `task` a thread (returned, to be run by `threads`); `startWrite`
    /// is the pending write of its start, nil when that is durable already. Called with `lock` held.
    private func prepareThread(_ task: LiveTask, type: any BaseTask.Type, attempt: Int, startWrite: (any CommitTicket)?) -> TaskThreadPool.Job {
        task.requestedStop = nil
        let id = task.id
        let parameters = task.parameters
        let worker = task.isolation == .process ? WorkerPlan(memoryLimitBytes: task.memoryLimitBytes, cpuLimitSeconds: task.cpuLimitSeconds) : nil
        state.withThread[id] = task
        return { [self] in
            runAttempt(taskID: id, attempt: attempt, type: type, parameters: parameters, startWrite: startWrite, worker: worker)
        }
    }

    /// The row fields (beside the status) that start attempt `attempt` of a task.
    static func attemptStartFields(_ update: inout TaskUpdate, attempt: Int, now: Double) {
        update.set(.attempt(attempt))
        update.set(.startedAt(now))
        update.set(.runAt(nil))
        update.set(.waitingReason(nil))
        update.set(.stopRequested(false))
        update.set(.pauseRequested(false))
        update.set(.notice(nil))
        update.set(.exit(nil))
        update.attemptStarted = (attempt, now)
    }

    /// A paused task whose thread is blocked at a checkpoint (or whose worker is frozen) got its
    /// slot back: record it running, then let it continue. Called with `lock` held.
    func resumeThread(_ task: LiveTask, control: RunControl) {
        do {
            let transition = try plan(task, on: .resumeAttempt) { _, update in
                update.set(.waitingReason(nil))
                return {
                    if let pausedAt = task.pausedAt, let deadline = task.deadline {
                        // Time spent paused does not count against the timeout.
                        task.deadline = deadline + (Date().timeIntervalSince1970 - pausedAt)
                    }
                    task.pausedAt = nil
                    control.resume()
                }
            }
            try commit(transition)
        } catch {
            // Not recorded: it stays paused (no CPU) and is tried again in a second.
            requeueInASecond(task)
            logger.warning("could not record a resume; retrying", metadata: ["task": "\(task.id)", "error": "\(error)"])
        }
    }

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
        do {
            let transition = try plan(task, on: .reachPause) { [self] _, update in
                update.set(.pauseRequested(false))
                return {
                    task.pauseRequested = false
                    task.pausedAt = Date().timeIntervalSince1970
                    self.state.releaseSlot(task)
                }
            }
            try commit(transition)
        } catch {
            logger.warning("could not record a pause; retrying every second", metadata: ["task": "\(task.id)", "error": "\(error)"])
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { [weak self] in self?.threadReachedPause(control) }
        }
    }
}

extension TaskManager: RunControlOwner {}
