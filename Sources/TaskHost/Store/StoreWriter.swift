import Foundation
import Synchronization

/// The store's single writer: a dedicated thread that commits queued writes in batches.
///
/// Every write waiting when the thread wakes goes into ONE transaction (group commit), each
/// inside its own savepoint so one failing write does not undo the others. Buffered activity
/// (progress, logs, saved state) is flushed at the start of every batch, and at least every
/// `flushInterval` while there is any, so it is always on disk before a later status change.
final class StoreWriter: @unchecked Sendable {
    typealias Write = (SQLiteConnection) throws -> Void

    /// A queued write; `wait()` returns once it is committed (or throws its error).
    final class Ticket: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var error: (any Error)?

        func complete(_ error: (any Error)?) {
            self.error = error
            done.signal()
        }

        func wait() throws {
            done.wait()
            if let error { throw error }
        }
    }

    private struct Pending {
        let write: Write
        let ticket: Ticket
    }

    // Invariant: `queue` and `stopping` are only touched with `condition` locked.
    private let condition: NSCondition
    private var queue: [Pending] = []
    private var stopping = false
    private let stopped = DispatchSemaphore(value: 0)
    private let connection: SQLiteConnection
    private let flushInterval: Duration
    private let flushActivity: (SQLiteConnection, ActivityBuffer.Contents) throws -> Void
    let buffer: ActivityBuffer

    init(
        connection: SQLiteConnection, flushInterval: Duration, logCap: Int,
        flushActivity: @escaping (SQLiteConnection, ActivityBuffer.Contents) throws -> Void
    ) {
        self.connection = connection
        self.flushInterval = flushInterval
        self.flushActivity = flushActivity
        let condition = NSCondition()
        self.condition = condition
        buffer = ActivityBuffer(logCapPerFlush: logCap) {
            condition.lock()
            condition.signal()
            condition.unlock()
        }
        let thread = Thread { [self] in loop() }
        thread.name = "taskhost-store-writer"
        thread.start()
    }

    /// Queues `write`; the caller decides when to wait for it.
    func enqueue(_ write: @escaping Write) -> Ticket {
        let ticket = Ticket()
        condition.lock()
        if stopping {
            condition.unlock()
            ticket.complete(TaskHostError.shuttingDown)
            return ticket
        }
        queue.append(Pending(write: write, ticket: ticket))
        condition.signal()
        condition.unlock()
        return ticket
    }

    /// Queues `write` and blocks until it is committed.
    func write(_ write: @escaping Write) throws {
        try enqueue(write).wait()
    }

    /// Flushes what is buffered and queued, then ends the writer thread.
    func close() {
        condition.lock()
        let already = stopping
        stopping = true
        condition.signal()
        condition.unlock()
        if !already { stopped.wait() }
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping {
                guard let dirtySince = buffer.dirtySince else {
                    condition.wait()
                    continue
                }
                let due = dirtySince + flushInterval
                if ContinuousClock.now >= due { break }
                let remaining = ContinuousClock.now.duration(to: due)
                _ = condition.wait(until: Date(timeIntervalSinceNow: remaining.seconds))
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            let finishing = stopping && batch.isEmpty
            condition.unlock()

            commit(batch)
            if finishing {
                stopped.signal()
                return
            }
        }
    }

    private func commit(_ batch: [Pending]) {
        var errors = [(any Error)?](repeating: nil, count: batch.count)
        do {
            try connection.execute("BEGIN IMMEDIATE")
            let activity = buffer.take()
            if !activity.isEmpty { try flushActivity(connection, activity) }
            for (index, pending) in batch.enumerated() {
                try connection.execute("SAVEPOINT write")
                do {
                    try pending.write(connection)
                    try connection.execute("RELEASE write")
                } catch {
                    errors[index] = error
                    try connection.execute("ROLLBACK TO write; RELEASE write")
                }
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            let failure: any Error = (error as? SQLiteError).map { TaskHostError.storage($0) } ?? error
            errors = errors.map { $0 ?? failure }
        }
        for (pending, error) in zip(batch, errors) { pending.ticket.complete(error) }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
