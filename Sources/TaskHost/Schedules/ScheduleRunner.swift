import Foundation
import HeapModule

/// Wakes at each schedule's next firing and has the manager fire every schedule due then in one
/// transaction. Holds the schedules in memory (the store has the truth; a firing's advance is
/// committed with its task, then applied here).
///
/// Lock order: this runner's lock is never held while calling the manager (whose event
/// observers take it).
final class ScheduleRunner: @unchecked Sendable {
    private struct Due: Comparable {
        let at: Double
        let id: String
        let version: UInt64
        static func < (lhs: Due, rhs: Due) -> Bool { lhs.at != rhs.at ? lhs.at < rhs.at : lhs.id < rhs.id }
    }

    // Invariant: the fields below are only touched with `condition` locked.
    private let condition = NSCondition()
    private var schedules: [String: ScheduleRecord] = [:]
    private var versions: [String: UInt64] = [:]
    private var queue = Heap<Due>()
    private var nextVersion: UInt64 = 1
    /// Tasks a queued firing waits for, by task id: the schedule to wake when it ends.
    private var waitingOn: [String: String] = [:]
    /// Schedules whose firing could not be written, and how long they wait before the next try.
    private var retryDelay: [String: Double] = [:]
    private var running = false
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    /// Fires the due schedules given; returns the schedules as they are after (those missing: retry in a second).
    private let fire: @Sendable ([ScheduleRecord], Date) -> [ScheduleRecord]

    init(fire: @escaping @Sendable ([ScheduleRecord], Date) -> [ScheduleRecord]) {
        self.fire = fire
    }

    /// Starts the firing thread with the stored schedules.
    func start(_ stored: [ScheduleRecord]) {
        condition.lock()
        for schedule in stored { place(schedule) }
        running = true
        condition.unlock()
        let thread = Thread { [self] in loop() }
        thread.name = "taskhost-schedules"
        thread.start()
        self.thread = thread
    }

    /// Stops the thread (after a firing in progress) and waits for it.
    func stop() {
        condition.lock()
        let wasRunning = running
        running = false
        condition.broadcast()
        condition.unlock()
        if wasRunning { done.wait() }
    }

    /// Adds or replaces a schedule as now stored.
    func update(_ schedule: ScheduleRecord) {
        condition.lock()
        place(schedule)
        condition.broadcast()
        condition.unlock()
    }

    /// Forgets a removed schedule.
    func remove(_ id: String) {
        condition.lock()
        schedules[id] = nil
        versions[id] = nil
        condition.broadcast()
        condition.unlock()
    }

    /// A task ended: a firing queued behind it may go now.
    func taskEnded(_ taskID: String) {
        condition.lock()
        defer { condition.unlock() }
        guard let id = waitingOn.removeValue(forKey: taskID), let schedule = schedules[id], schedule.queuedFor != nil else { return }
        push(id, at: Date().timeIntervalSince1970)
        condition.broadcast()
    }

    /// Called with `condition` locked.
    private func place(_ schedule: ScheduleRecord) {
        schedules[schedule.id] = schedule
        let version = nextVersion
        nextVersion += 1
        versions[schedule.id] = version
        guard !schedule.paused else { return }
        if let task = schedule.lastTaskID, schedule.queuedFor != nil {
            waitingOn[task] = schedule.id
            // Also looked at again in a few seconds: the task may have ended before this was placed.
            queue.insert(Due(at: Date().timeIntervalSince1970 + 5, id: schedule.id, version: version))
        }
        guard let next = schedule.nextAt else { return }
        queue.insert(Due(at: next.timeIntervalSince1970, id: schedule.id, version: version))
    }

    private func push(_ id: String, at: Double) {
        guard let version = versions[id] else { return }
        queue.insert(Due(at: at, id: id, version: version))
    }

    private func loop() {
        condition.lock()
        while running {
            let now = Date().timeIntervalSince1970
            var due: [ScheduleRecord] = []
            var picked: [String: UInt64] = [:]
            while let first = queue.min, first.at <= now {
                queue.removeMin()
                guard versions[first.id] == first.version, let schedule = schedules[first.id], !schedule.paused, picked[first.id] == nil
                else { continue }
                picked[first.id] = first.version
                due.append(schedule)
            }
            guard due.isEmpty else {
                condition.unlock()
                let after = fire(due, Date())
                condition.lock()
                let written = Set(after.map(\.id))
                // A schedule paused, changed or removed while it fired keeps its newer state.
                for schedule in after where versions[schedule.id] == picked[schedule.id] {
                    retryDelay[schedule.id] = nil
                    place(schedule)
                }
                // Not written (the disk is full, the database busy): tried again after 1 s, 2 s, 4 s… up to a minute.
                for schedule in due where !written.contains(schedule.id) && versions[schedule.id] == picked[schedule.id] {
                    let delay = min(60, (retryDelay[schedule.id] ?? 0.5) * 2)
                    retryDelay[schedule.id] = delay
                    push(schedule.id, at: now + delay)
                }
                continue
            }
            let wake = queue.min.map(\.at) ?? now + 60
            _ = condition.wait(until: TimeBounds.waitDeadline(min(wake, now + 60), now: now))
        }
        condition.unlock()
        done.signal()
    }
}
