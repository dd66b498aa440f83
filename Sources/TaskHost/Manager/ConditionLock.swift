#if canImport(Glibc)
import Glibc
#endif

/// A mutex and its condition variable in one allocation; timed waits use the monotonic clock.
///
/// Every running task holds one (in its `RunControl`): `NSCondition` took three allocations
/// (its object, the mutex and the condition), about 0.1 kB more per blocked task.
struct ConditionLock: ~Copyable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        let storage = UnsafeMutableRawPointer.allocate(
            byteCount: MemoryLayout<pthread_mutex_t>.stride + MemoryLayout<pthread_cond_t>.stride, alignment: 16)
        mutex = storage.bindMemory(to: pthread_mutex_t.self, capacity: 1)
        condition = (storage + MemoryLayout<pthread_mutex_t>.stride).bindMemory(to: pthread_cond_t.self, capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        UnsafeMutableRawPointer(mutex).deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }

    func unlock() { pthread_mutex_unlock(mutex) }

    func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits for a broadcast (or a spurious wake-up); the mutex must be held.
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits at most `seconds` (clamped to 0...1 day) for a broadcast; the mutex must be held.
    func wait(seconds: Double) {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let wait = seconds.isFinite ? min(max(seconds, 0), 86_400) : 0
        let whole = Int(wait)
        var nanoseconds = deadline.tv_nsec + Int((wait - Double(whole)) * 1e9)
        var secondsPart = deadline.tv_sec + whole
        if nanoseconds >= 1_000_000_000 {
            nanoseconds -= 1_000_000_000
            secondsPart += 1
        }
        deadline.tv_sec = secondsPart
        deadline.tv_nsec = nanoseconds
        pthread_cond_timedwait(condition, mutex, &deadline)
    }
}
