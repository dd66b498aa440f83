import Foundation
import Synchronization

/// The store's single writer, with leader-based group commit.
///
/// A thread that needs its write durable becomes the *leader* if no commit is in progress
/// and commits everything queued in ONE transaction on its own thread (no hand-off, no
/// context switch when uncontended); threads arriving while a commit runs queue their writes
/// and the leader commits them in its next round. A round runs its writes one after another in
/// one transaction; if one throws, the round is rolled back and run again with each write in its
/// own savepoint, so one failing write does not undo the others. A background thread commits writes nobody
/// waits for once they have lingered `linger` (so that they usually ride along in a commit a
/// waiting thread makes anyway: one commit instead of two), and flushes buffered activity
/// (progress, logs, saved state) at least every `flushInterval`; activity is also flushed at
/// the start of every batch, so it is always on disk before a later status change.
final class StoreWriter: @unchecked Sendable {
    /// A write. It may run twice (rolled back in between, when another write of its round threw),
    /// so it must only write rows and fill its result box, nothing outside the database.
    typealias Write = (SQLiteConnection) throws -> Void

    /// A queued write; `wait()` returns once it is committed (or throws its error).
    final class Ticket: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let completed = Atomic<Bool>(false)
        /// Somebody blocks on it: it goes in the next round, not after the linger.
        fileprivate let awaited = Atomic<Bool>(false)
        private var error: (any Error)?
        fileprivate weak var writer: StoreWriter?
        fileprivate var onCommit: (@Sendable ((any Error)?) -> Void)?
        /// The write itself, until it has run. The queue holds tickets (one reference each, where
        /// a struct of the write and its flags cost every queue operation several copies).
        fileprivate var write: Write?
        fileprivate let queuedAt: ContinuousClock.Instant
        /// A bulk write (a prune batch) is committed in a transaction of its own, so the small
        /// writes queued beside it are not held up by its work.
        fileprivate let alone: Bool
        /// A new task's insert: it depends on no write queued before it, so it may commit ahead of them.
        fileprivate let independent: Bool
        /// Queued without a thread about to wait for it: the background thread commits it once it lingered.
        fileprivate let lingers: Bool

        fileprivate init(write: @escaping Write, alone: Bool, independent: Bool, lingers: Bool) {
            self.write = write
            self.queuedAt = .now
            self.alone = alone
            self.independent = independent
            self.lingers = lingers
        }

        fileprivate func complete(_ error: (any Error)?) {
            self.error = error
            write = nil
            completed.store(true, ordering: .releasing)
            done.signal()
            onCommit?(error)
            onCommit = nil
        }

        fileprivate var isCompleted: Bool { completed.load(ordering: .acquiring) }

        /// True once committed, false once failed, nil while pending.
        var succeeded: Bool? { isCompleted ? error == nil : nil }

        /// Blocks until committed, committing it on this thread when no other commit is running; any number of threads may wait.
        func wait() throws {
            // Set before `lead` takes the writer's lock, so a leader choosing its next round sees it.
            awaited.store(true, ordering: .releasing)
            writer?.lead(until: self)
            // A latch, not a count: the next waiter (a task's thread and a control can both wait on one start) passes too.
            done.wait()
            done.signal()
            if let error { throw error }
        }
    }

    // Invariant: `queue`, `leading` and `stopping` are only touched with `condition` locked;
    // `connection` only by the thread that set `leading`.
    private let condition: NSCondition
    private var queue: [Ticket] = []
    private var leading = false
    private var stopping = false
    /// Queued writes nobody was about to wait for: the background thread must know of them.
    private var lingering = 0
    /// The background thread waits for the current leader to finish.
    private var backgroundWaitsForLeader = false
    private let stopped = DispatchSemaphore(value: 0)
    private let connection: SQLiteConnection
    private let flushInterval: Duration
    private let linger: Duration
    private let flushActivity: (SQLiteConnection, ActivityBuffer.Contents) throws -> Void
    let buffer: ActivityBuffer
    // The last commit's failure (nil after a success): what "degraded" reports.
    private let lastFailure = Mutex<WriteFailure?>(nil)

    /// Why the last commit failed, with the OS's reason; nil once a commit succeeded again.
    var failure: WriteFailure? { lastFailure.withLock { $0 } }

    init(
        connection: SQLiteConnection, flushInterval: Duration, linger: Duration = .milliseconds(2), logCap: Int,
        flushActivity: @escaping (SQLiteConnection, ActivityBuffer.Contents) throws -> Void
    ) {
        self.connection = connection
        self.flushInterval = flushInterval
        self.linger = linger
        self.flushActivity = flushActivity
        let condition = NSCondition()
        self.condition = condition
        buffer = ActivityBuffer(logCapPerFlush: logCap) {
            condition.lock()
            condition.signal()
            condition.unlock()
        }
        let thread = Thread { [self] in backgroundLoop() }
        thread.name = "taskhost-store-writer"
        thread.start()
    }

    /// Queues `write`; the caller decides when (or whether) to wait for it. `onCommit` runs on
    /// the committing thread once the write is committed (or has failed).
    func enqueue(
        _ write: @escaping Write, alone: Bool = false, independent: Bool = false, onCommit: (@Sendable ((any Error)?) -> Void)? = nil
    ) -> Ticket {
        enqueue(write, alone: alone, independent: independent, waiting: false, onCommit: onCommit)
    }

    /// `waiting`: the caller waits for the ticket at once and so leads (or joins) the next round;
    /// the background thread is not woken for it (a wake-up per submit cost the submitting thread
    /// a futex call and the writer's lock, contended by the woken thread).
    private func enqueue(
        _ write: @escaping Write, alone: Bool, independent: Bool, waiting: Bool, onCommit: (@Sendable ((any Error)?) -> Void)?
    ) -> Ticket {
        let ticket = Ticket(write: write, alone: alone, independent: independent, lingers: !waiting)
        ticket.writer = self
        ticket.onCommit = onCommit
        condition.lock()
        if stopping {
            condition.unlock()
            ticket.complete(TaskHostError.shuttingDown)
            return ticket
        }
        queue.append(ticket)
        if !waiting {
            lingering += 1
            // The background thread sets its timer by the oldest queued write: it need only hear of the first.
            if lingering == 1 { condition.signal() }
        }
        condition.unlock()
        return ticket
    }

    /// Queues `write` and blocks until it is committed (`alone`: in a transaction of its own;
    /// `independent`: it may commit ahead of writes queued before it).
    func write(_ write: @escaping Write, alone: Bool = false, independent: Bool = false) throws {
        try enqueue(write, alone: alone, independent: independent, waiting: true, onCommit: nil).wait()
    }

    /// Flushes what is buffered and queued, then ends the background thread.
    func close() {
        condition.lock()
        let already = stopping
        stopping = true
        condition.broadcast()
        condition.unlock()
        if !already { stopped.wait() }
    }

    /// Commits rounds of queued writes while `ticket` is pending and nobody else leads.
    fileprivate func lead(until ticket: Ticket) {
        condition.lock()
        while !ticket.isCompleted {
            if leading {
                condition.unlock()
                return  // the current leader commits it; the caller waits on the ticket
            }
            if queue.isEmpty {
                break  // completed by a leader that just finished
            }
            leading = true
            commitRoundsLocked()
        }
        condition.unlock()
    }

    /// Commits rounds while some queued write is due. Called and returns with `condition` locked
    /// and `leading` set; clears it.
    /// `activityDue`: the first round commits even with no write chosen, to flush buffered activity.
    private func commitRoundsLocked(activityDue: Bool = false) {
        var flushAnyway = activityDue
        while true {
            let batch = takeRoundLocked(now: .now)
            if batch.isEmpty && !flushAnyway {
                leading = false
                if backgroundWaitsForLeader { condition.broadcast() }
                return
            }
            flushAnyway = false
            condition.unlock()
            commit(batch)
            condition.lock()
        }
    }

    /// Removes and returns the next round's writes, in queue order: all of them once one that is
    /// not independent is due (awaited, lingered, or the writer is stopping), else the awaited
    /// independent writes alone. Writes nobody waits for stay queued until they linger, so that they
    /// commit together (one page written per table for many tasks) instead of one by one with each submit.
    /// A bulk write goes alone: the writes chosen before it commit first, the ones after it later.
    private func takeRoundLocked(now: ContinuousClock.Instant) -> [Ticket] {
        func due(_ pending: Ticket) -> Bool {
            stopping || pending.awaited.load(ordering: .acquiring) || now >= pending.queuedAt + linger
        }
        // Once a round is due, everything queued goes in it (writes queued a moment apart must not
        // take a commit each); only when nothing but independent inserts is due do they go alone.
        let takeAll = queue.contains { due($0) && !$0.independent }
        guard takeAll || queue.contains(where: due) else { return [] }
        if takeAll, !queue.contains(where: \.alone) {
            // Handed over whole: no copy of the queue's storage.
            let round = queue
            queue = []
            lingering = 0
            return round
        }
        // One pass, order kept on both sides (this runs under the lock for nearly every submit).
        var round: [Ticket] = []
        var rest: [Ticket] = []
        var cut = false
        for pending in queue {
            let wanted = !cut && (takeAll || (pending.independent && due(pending)))
            if wanted && pending.alone {
                cut = true
                if round.isEmpty { round.append(pending) } else { rest.append(pending) }
            } else if wanted {
                round.append(pending)
            } else {
                rest.append(pending)
            }
        }
        queue = rest
        lingering -= round.count(where: \.lingers)
        return round
    }

    private func backgroundLoop() {
        condition.lock()
        while true {
            if leading {
                // The leader's next round takes whatever is due by then. This thread sleeps until the
                // oldest write or buffered activity is due, and asks the leader for a broadcast only
                // once something is due already (one at the end of every leader's turn cost the
                // submitting thread a futex call per submit).
                let wakeAt = nextDueLocked()
                if !stopping, let wakeAt, ContinuousClock.now < wakeAt {
                    waitLocked(until: wakeAt)
                } else if !stopping, wakeAt == nil {
                    condition.wait()  // an enqueue, new activity or `close` signals
                } else {
                    backgroundWaitsForLeader = true
                    condition.wait()
                    backgroundWaitsForLeader = false
                }
                continue
            }
            let now = ContinuousClock.now
            let activityDue = buffer.dirtySince.map { now >= $0 + flushInterval } ?? false
            let writesDue = queue.first.map { now >= $0.queuedAt + linger } ?? false
            if writesDue || activityDue || stopping {
                leading = true
                commitRoundsLocked(activityDue: activityDue || stopping)
                if stopping && queue.isEmpty {
                    condition.unlock()
                    stopped.signal()
                    return
                }
                continue
            }
            if let wakeAt = nextDueLocked() {
                waitLocked(until: wakeAt)
            } else {
                condition.wait()
            }
        }
    }

    /// When the oldest queued write or the buffered activity is due; nil if nothing is waiting.
    private func nextDueLocked() -> ContinuousClock.Instant? {
        [buffer.dirtySince.map { $0 + flushInterval }, queue.first.map { $0.queuedAt + linger }].compactMap { $0 }.min()
    }

    private func waitLocked(until instant: ContinuousClock.Instant) {
        let remaining = ContinuousClock.now.duration(to: instant)
        _ = condition.wait(until: Date(timeIntervalSinceNow: max(0.0005, remaining.seconds)))
    }

    private func commit(_ batch: [Ticket]) {
        let activity = buffer.take()
        if batch.isEmpty && activity.isEmpty { return }
        // Nearly every round has no failing write: it runs without a savepoint around each write (two
        // statements per write); should a write throw, it is rolled back and run again with them.
        switch commitWithoutSavepoints(batch, activity: activity) {
        case .committed:
            return
        case .writeThrew(let error, let systemErrno) where batch.count == 1 && activity.isEmpty:
            // A lone write's failure is its round's: there is nothing beside it to keep.
            fail(batch, activity: activity, error: error, systemErrno: systemErrno)
        case .writeThrew:
            commitWithSavepoints(batch, activity: activity)
        case .failed(let error, let systemErrno):
            // Beginning or committing failed (busy, disk full): running it again would only wait or fail again.
            fail(batch, activity: activity, error: error, systemErrno: systemErrno)
        }
    }

    private enum Attempt {
        case committed
        /// A write threw: rolled back, nothing completed, the activity not given back.
        case writeThrew(any Error, systemErrno: Int32)
        /// Beginning, flushing the activity or committing failed: rolled back, nothing completed.
        case failed(any Error, systemErrno: Int32)
    }

    /// Commits the round in one transaction, no savepoints, completing its tickets once committed.
    private func commitWithoutSavepoints(_ batch: [Ticket], activity: ActivityBuffer.Contents) -> Attempt {
        var writing = false
        do {
            // Prepared once and reused (`run`), not parsed every round as `execute` would.
            try connection.run("BEGIN IMMEDIATE")
            if !activity.isEmpty { try flushActivity(connection, activity) }
            writing = true
            for pending in batch { try pending.write?(connection) }
            writing = false
            try connection.run("COMMIT")
        } catch {
            let systemErrno = connection.systemErrno
            try? connection.execute("ROLLBACK")
            return writing ? .writeThrew(error, systemErrno: systemErrno) : .failed(error, systemErrno: systemErrno)
        }
        lastFailure.withLock { $0 = nil }
        for pending in batch { pending.complete(nil) }
        return .committed
    }

    /// Runs the round again, each write in a savepoint of its own: a write that throws fails alone.
    private func commitWithSavepoints(_ batch: [Ticket], activity: ActivityBuffer.Contents) {
        var errors = [(any Error)?](repeating: nil, count: batch.count)
        do {
            try connection.run("BEGIN IMMEDIATE")
            if !activity.isEmpty { try flushActivity(connection, activity) }
            for (index, pending) in batch.enumerated() {
                try connection.run("SAVEPOINT write")
                do {
                    try pending.write?(connection)
                    try connection.run("RELEASE write")
                } catch {
                    errors[index] = error
                    try connection.execute("ROLLBACK TO write; RELEASE write")
                }
            }
            try connection.run("COMMIT")
            lastFailure.withLock { $0 = nil }
        } catch {
            let systemErrno = connection.systemErrno
            try? connection.execute("ROLLBACK")
            fail(batch, errors: errors, activity: activity, error: error, systemErrno: systemErrno)
            return
        }
        for (pending, error) in zip(batch, errors) { pending.complete(error) }
    }

    /// A round that could not commit (rolled back already): its tickets fail (those without an
    /// error of their own with `error`), and health says why.
    private func fail(
        _ batch: [Ticket], errors: [(any Error)?] = [], activity: ActivityBuffer.Contents, error: any Error, systemErrno: Int32
    ) {
        // Progress, logs and saved state taken for this round go back: they are written with the next commit that succeeds.
        buffer.restore(activity)
        lastFailure.withLock { $0 = WriteFailure(error: error, systemErrno: systemErrno, at: Date()) }
        let failure = TaskHostError.sqlite(error, context: "writing")
        for (index, pending) in batch.enumerated() {
            pending.complete((errors.indices.contains(index) ? errors[index] : nil).map { TaskHostError.sqlite($0, context: "writing") } ?? failure)
        }
    }
}

/// A commit that failed, for health reports.
struct WriteFailure: Sendable {
    let error: any Error
    /// The OS's errno behind it (ENOSPC, EROFS, EIO...), 0 if none.
    let systemErrno: Int32
    let at: Date
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
