import Synchronization

/// Outcomes whose commit came back, waiting to be settled under the manager's lock.
///
/// The committing thread may hold that lock while it leads a round, so settling hops to another
/// thread; one hop serves every outcome that comes back until the hop has drained them, where
/// one hop per outcome (a round carries dozens) took the lock dozens of times against submits.
final class CommittedOutcomes: Sendable {
    /// One outcome's commit: the task, its outcome's token, and the commit's error if it failed.
    struct Entry: Sendable {
        let taskID: String
        let token: UInt64
        let error: (any Error)?
    }

    private struct Inbox {
        var entries: [Entry] = []
        /// A drain is scheduled or running: it takes what arrives until it finds nothing.
        var draining = false
    }

    private let inbox = Mutex(Inbox())

    /// Adds an entry; returns true when the caller must schedule a drain (none is pending).
    func add(_ entry: Entry) -> Bool {
        inbox.withLock { inbox in
            inbox.entries.append(entry)
            guard !inbox.draining else { return false }
            inbox.draining = true
            return true
        }
    }

    /// Takes what arrived; an empty answer ends the drain (the next `add` schedules another).
    func take() -> [Entry] {
        inbox.withLock { inbox in
            let taken = inbox.entries
            inbox.entries = []
            if taken.isEmpty { inbox.draining = false }
            return taken
        }
    }
}
