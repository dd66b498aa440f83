import Foundation
import HeapModule
import TaskKit

/// A queued task in scheduling order: higher priority first, then first submitted first.
struct QueueEntry: Comparable, Sendable {
    let priority: Int
    let seq: Int64
    let id: String
    /// Bumped every time the task is (re)queued, so stale heap entries can be told apart.
    let ticket: UInt64

    static func < (lhs: QueueEntry, rhs: QueueEntry) -> Bool {
        lhs.priority != rhs.priority ? lhs.priority < rhs.priority : lhs.seq > rhs.seq
    }
}

/// A task waiting for its run time.
struct DelayedEntry: Comparable, Sendable {
    let runAt: Double
    let entry: QueueEntry

    static func < (lhs: DelayedEntry, rhs: DelayedEntry) -> Bool {
        lhs.runAt != rhs.runAt ? lhs.runAt < rhs.runAt : rhs.entry < lhs.entry
    }
}

/// A task the manager tracks in memory: every pending, paused and running one.
final class LiveTask {
    // Laid out so each one-byte field sits in the tail of an optional before it: every queued
    // and running task holds one of these.
    let id: String
    let type: String
    let seq: Int64
    var priority: Int
    var attempt: Int
    /// The current queue ticket (0: not queued).
    var queueTicket: UInt64 = 0
    var retriesUsed = 0
    var maxRetries = 0
    var backoff = Backoff()
    /// The thread's control while a thread exists (running, or paused at a checkpoint).
    var control: RunControl?
    /// Known for tasks submitted by this process; read from the store for recovered ones.
    var parameters: TaskParameters?
    /// An outcome applied here and not yet committed (see `recordOutcome`).
    var unwrittenOutcome: UnwrittenOutcome?
    /// A new attempt's start queued for commit; the task is pending until it is durable (see `launch`).
    var startInFlight: StartInFlight?
    var waitingReason: String?
    var runAt: Double?
    var status: TaskStatus
    var deadline: Double?
    /// Holds one of the global (and type) slots.
    var holdsSlot = false
    var timeoutSeconds: Double?
    var pauseRequested = false
    var pausedAt: Double?
    /// Ready to start, but the last attempt's outcome is not recorded yet: starts once it is.
    var heldForOutcome = false
    /// An attempt failed by its timeout while its thread still ran: that thread's late outcome is discarded.
    var abandonedAttempt: Int?
    var isolation = TaskIsolation.thread
    var memoryLimitBytes: Int?
    /// Cut off by a host shutdown or death, it goes back to the queue instead of `interrupted`.
    var requeueOnInterrupt = false
    var cpuLimitSeconds: Int?
    /// A stop asked for before the thread attached its control, or the reason given to it.
    var requestedStop: StopReason?
    /// Its attempts cannot continue where they stopped (a shell command): a shutdown interrupts it.
    var isCommand: Bool { type == ShellTask.name }

    init(id: String, type: String, seq: Int64, status: TaskStatus, priority: Int, attempt: Int, runAt: Double?) {
        self.id = id
        self.type = type
        self.seq = seq
        self.status = status
        self.priority = priority
        self.attempt = attempt
        self.runAt = runAt
    }
}

/// Everything the scheduler decides with, guarded by the manager's lock.
struct SchedulerState {
    var live: [String: LiveTask] = [:]
    /// Tasks with a thread (running, or blocked at a checkpoint): few, unlike `live`.
    var withThread: [String: LiveTask] = [:]
    var ready = Heap<QueueEntry>()
    var delayed = Heap<DelayedEntry>()
    /// Tasks whose type is at its concurrency limit or has no plugin, by type.
    var blocked: [String: [QueueEntry]] = [:]
    var running = 0
    var runningByType: [String: Int] = [:]
    var nextTicket: UInt64 = 1
    var acceptingWork = true
    var stopped = false
    private var outcomeTokens: UInt64 = 0

    /// A number that tells one outcome write (and its retries) from the next.
    mutating func nextOutcomeToken() -> UInt64 {
        outcomeTokens += 1
        return outcomeTokens
    }

    /// Queues `task` to start now or at its run time.
    mutating func enqueue(_ task: LiveTask, now: Double) {
        let ticket = nextTicket
        nextTicket += 1
        task.queueTicket = ticket
        let entry = QueueEntry(priority: task.priority, seq: task.seq, id: task.id, ticket: ticket)
        if let runAt = task.runAt, runAt > now {
            delayed.insert(DelayedEntry(runAt: runAt, entry: entry))
        } else {
            ready.insert(entry)
        }
    }

    /// Moves delayed tasks whose time has come into the ready queue; returns the next run time, if any.
    mutating func promoteDue(now: Double) -> Double? {
        while let next = delayed.min {
            guard next.runAt <= now else { return next.runAt }
            delayed.removeMin()
            ready.insert(next.entry)
        }
        return nil
    }

    /// Puts the tasks waiting on `type` (or on every type) back into the ready queue.
    mutating func unblock(type: String?) {
        if let type {
            for entry in blocked.removeValue(forKey: type) ?? [] { ready.insert(entry) }
        } else {
            for entries in blocked.values { for entry in entries { ready.insert(entry) } }
            blocked.removeAll()
        }
    }

    /// Asks `task` to unwind at its next checkpoint (now, if its thread is blocked in one).
    func requestStop(_ task: LiveTask, _ reason: StopReason) {
        if reason.replaces(task.requestedStop) { task.requestedStop = reason }
        task.control?.requestStop(reason)
    }

    /// The live task an entry refers to, if the entry is still current.
    func current(_ entry: QueueEntry) -> LiveTask? {
        guard let task = live[entry.id], task.queueTicket == entry.ticket else { return nil }
        return task
    }

    mutating func takeSlot(_ task: LiveTask) {
        task.holdsSlot = true
        running += 1
        runningByType[task.type, default: 0] += 1
    }

    mutating func releaseSlot(_ task: LiveTask) {
        guard task.holdsSlot else { return }
        task.holdsSlot = false
        running -= 1
        runningByType[task.type, default: 1] -= 1
        unblock(type: task.type)
    }
}
