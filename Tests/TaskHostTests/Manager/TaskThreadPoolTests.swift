import Foundation
import Synchronization
import Testing

@testable import TaskHost

@Suite("Task threads: one per running attempt, reused after it ends")
struct TaskThreadPoolTests {
    /// The kernel id of the calling thread (`/proc/thread-self` links to `PID/task/TID`).
    static func threadID() -> Int32 {
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
        return Int32(target.split(separator: "/").last ?? "") ?? -1
    }

    @Test("jobs that block all run at once, each on a thread of its own")
    func blockingJobsEachGetAThread() {
        let pool = TaskThreadPool(maxIdle: 2)
        defer { pool.close() }
        let jobs = 8
        let arrived = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let threads = Mutex<Set<Int32>>([])
        for _ in 0..<jobs {
            pool.run {
                threads.withLock { _ = $0.insert(Self.threadID()) }
                arrived.signal()
                release.wait()
            }
        }
        // Every job reaches its body while all the others still block: none waits for a thread.
        var reached = 0
        for _ in 0..<jobs where arrived.wait(timeout: .now() + 5) == .success { reached += 1 }
        for _ in 0..<jobs { release.signal() }
        #expect(reached == jobs)
        #expect(threads.withLock { $0.count } == jobs)
    }

    @Test("a thread whose job ended runs the next one instead of a new thread starting")
    func sequentialJobsReuseThreads() {
        let pool = TaskThreadPool(maxIdle: 2)
        defer { pool.close() }
        let threads = Mutex<Set<Int32>>([])
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<50 {
            pool.run {
                threads.withLock { _ = $0.insert(Self.threadID()) }
                done.signal()
            }
            #expect(done.wait(timeout: .now() + 5) == .success)
            // Once the thread has parked, the next job must go to it.
            #expect(FixturePolling.eventually(5) { pool.idleThreads == 1 })
        }
        #expect(threads.withLock { $0.count } == 1)
    }

    @Test("idle threads exit after the idle timeout")
    func idleThreadsExit() {
        let pool = TaskThreadPool(maxIdle: 4, idleTimeout: 0.1)
        defer { pool.close() }
        let first = Mutex<Int32>(0)
        let done = DispatchSemaphore(value: 0)
        pool.run { first.withLock { $0 = Self.threadID() }; done.signal() }
        #expect(done.wait(timeout: .now() + 5) == .success)
        let id = first.withLock { $0 }
        #expect(id > 0)
        // /proc/self/task/<tid> disappears once the thread has exited.
        let gone = FixturePolling.eventually(5) { !FileManager.default.fileExists(atPath: "/proc/self/task/\(id)") }
        #expect(gone)
    }
}
