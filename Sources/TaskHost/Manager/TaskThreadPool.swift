import CProcessShims
import Foundation

/// The threads tasks run on: every attempt gets a thread of its own for as long as it runs
/// (a paused task keeps its thread parked at its checkpoint), but a thread whose attempt ended
/// waits a while for the next one instead of exiting.
///
/// Creating a thread costs about ten system calls and a fresh 4 MiB stack mapping; under a
/// stream of short tasks that was a visible share of the host's CPU time. Idle threads beyond
/// `maxIdle`, or idle longer than `idleTimeout`, exit, so a burst leaves nothing behind.
final class TaskThreadPool: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    // Invariant: every stored property below `condition` is only touched with it locked.
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var idle = 0
    private var closed = false
    private let maxIdle: Int
    private let idleTimeout: TimeInterval
    private let stackSize: Int

    /// A pool keeping at most `maxIdle` parked threads, each for at most `idleTimeout` seconds.
    init(maxIdle: Int, idleTimeout: TimeInterval = 30, stackSize: Int = 4 << 20) {
        self.maxIdle = maxIdle
        self.idleTimeout = idleTimeout
        self.stackSize = stackSize
    }

    /// Runs `job` on an idle thread, or on a new one when none is idle.
    func run(_ job: @escaping Job) {
        condition.lock()
        jobs.append(job)
        let spawn = jobs.count > idle
        condition.unlock()
        // Signalled after the lock is released: a thread woken while it was held went straight
        // back to sleep on the lock, and the unlock had to wake it a second time.
        if spawn { startThread() } else { condition.signal() }
    }

    /// A plain detached pthread: a Foundation `Thread` object cost every blocked task
    /// ~0.3 kB more (W4). If the system refuses a thread (EAGAIN), the job stays
    /// queued and the next thread to finish its job takes it.
    private func startThread() {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, stackSize)
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { context in
            guard let context else { return nil }
            let pool = Unmanaged<TaskThreadPool>.fromOpaque(context).takeRetainedValue()
            _ = taskhost_set_thread_name("taskhost-task")
            pool.workerLoop()
            return nil
        }, context)
        if status != 0 { Unmanaged<TaskThreadPool>.fromOpaque(context).release() }
    }

    /// How many threads are parked waiting for a job.
    var idleThreads: Int {
        condition.lock()
        defer { condition.unlock() }
        return idle
    }

    /// Lets idle threads exit now and any that finish later exit instead of parking.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    private func workerLoop() {
        condition.lock()
        while true {
            if let job = jobs.first {
                jobs.removeFirst()
                condition.unlock()
                job()
                condition.lock()
                continue
            }
            if closed || idle >= maxIdle { break }
            idle += 1
            let woken = condition.wait(until: Date(timeIntervalSinceNow: idleTimeout))
            idle -= 1
            if !woken && jobs.isEmpty { break }
        }
        condition.unlock()
    }
}
