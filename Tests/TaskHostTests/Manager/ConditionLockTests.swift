import Foundation
import Synchronization
import Testing

@testable import TaskHost

/// The lock a running task's control blocks on: a broadcast wakes a waiter, a timed wait ends on its own.
@Suite("ConditionLock: the wait a paused task's thread blocks in")
struct ConditionLockTests {
    final class Shared: @unchecked Sendable {
        let lock = ConditionLock()
        var released = false
        let woke = Atomic<Bool>(false)
        var hasWoken: Bool { woke.load(ordering: .sequentiallyConsistent) }
    }

    @Test("a broadcast wakes a thread waiting for it; a timed wait returns after its time, not before")
    func broadcastAndTimeout() throws {
        let shared = Shared()
        let thread = Thread {
            shared.lock.lock()
            while !shared.released { shared.lock.wait() }
            shared.lock.unlock()
            shared.woke.store(true, ordering: .sequentiallyConsistent)
        }
        thread.start()
        Thread.sleep(forTimeInterval: 0.1)
        #expect(!shared.hasWoken)
        shared.lock.lock()
        shared.released = true
        shared.lock.broadcast()
        shared.lock.unlock()
        let deadline = Date().addingTimeInterval(5)
        while !shared.hasWoken && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        #expect(shared.hasWoken)

        let started = ContinuousClock.now
        shared.lock.lock()
        shared.lock.wait(seconds: 0.05)
        shared.lock.unlock()
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(45) && waited < .seconds(2), "\(waited)")
        // Nonsense durations neither hang nor trap.
        shared.lock.lock()
        shared.lock.wait(seconds: -.infinity)
        shared.lock.wait(seconds: .nan)
        shared.lock.unlock()
    }
}
