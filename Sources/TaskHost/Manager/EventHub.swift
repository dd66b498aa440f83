import Foundation
import Synchronization

/// Fans manager events out to async subscribers and to threads blocked in `waitForChange`.
final class EventHub: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<TaskEvent>.Continuation]>([:])
    private let changes = NSCondition()
    private let generation = Atomic<UInt64>(0)
    private let closed = Atomic<Bool>(false)
    private let observers = Mutex<[@Sendable (TaskEvent) -> Void]>([])

    /// True once `finishAll()` ran: streams end and new ones end at once.
    var isClosed: Bool { closed.load(ordering: .sequentiallyConsistent) }

    /// A stream of every event from now on; it ends when `finishAll()` runs or the consumer stops.
    func subscribe(bufferingNewest limit: Int = 10_000) -> AsyncStream<TaskEvent> {
        let (stream, continuation) = AsyncStream<TaskEvent>.makeStream(bufferingPolicy: .bufferingNewest(limit))
        let key = UUID()
        subscribers.withLock { $0[key] = continuation }
        if isClosed {
            subscribers.withLock { _ = $0.removeValue(forKey: key) }
            continuation.finish()
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: key) }
        }
        return stream
    }

    /// Calls `handler` on the publishing thread for every event from now on, in publish order
    /// (for consumers that must not depend on the async executors, like the stress test).
    func observe(_ handler: @escaping @Sendable (TaskEvent) -> Void) {
        observers.withLock { $0.append(handler) }
    }

    func publish(_ event: TaskEvent) {
        for observer in observers.withLock({ $0 }) { observer(event) }
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(event) }
        changes.lock()
        generation.add(1, ordering: .sequentiallyConsistent)
        changes.broadcast()
        changes.unlock()
    }

    /// The number of events published so far.
    var currentGeneration: UInt64 { generation.load(ordering: .sequentiallyConsistent) }

    /// Blocks until an event newer than `seen` is published or `deadline` passes.
    func waitForChange(after seen: UInt64, until deadline: Date) {
        changes.lock()
        defer { changes.unlock() }
        while generation.load(ordering: .sequentiallyConsistent) == seen {
            if !changes.wait(until: deadline) { return }
        }
    }

    /// Ends every stream (host shutdown): long-lived listeners must not hold the process open.
    func finishAll() {
        closed.store(true, ordering: .sequentiallyConsistent)
        let all = subscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for continuation in all { continuation.finish() }
    }
}
