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
                resumeThread(task, control: control)
            } else {
                launch(task, type: type, now: now)
            }
        }
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
}
