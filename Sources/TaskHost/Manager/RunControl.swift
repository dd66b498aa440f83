import Foundation
import Synchronization
import TaskKit

/// Why a running task is asked to unwind at its next checkpoint.
enum StopReason: Sendable, Equatable {
    case user
    case restart
    case timeout(seconds: Double)
    case shutdown

    /// Whether this reason takes the place of `current`: the user's last word (stop or restart)
    /// wins over an earlier one, a shutdown over both; a timeout, once reached, stays.
    func replaces(_ current: StopReason?) -> Bool {
        switch (current, self) {
        case (nil, _): true
        case (.user?, .user), (.user?, .restart), (.user?, .shutdown): true
        case (.restart?, .user), (.restart?, .restart), (.restart?, .shutdown): true
        default: false
        }
    }

    var text: String {
        switch self {
        case .user: "stopped by request"
        case .restart: "stopped for a restart"
        case .timeout(let seconds): "timed out after \(RunControl.format(seconds)) s"
        case .shutdown: "the host is shutting down"
        }
    }
}

/// The host's side of one attempt's `TaskContext`: the pause/stop handshake with the task's
/// thread, and the cheap reporting calls that go to the activity buffer.
/// What a `RunControl` reports to the manager that runs it.
protocol RunControlOwner: AnyObject, Sendable {
    /// The thread blocked at a checkpoint to honour a pause.
    func threadReachedPause(_ control: RunControl)
    /// The attempt's saved state could not be decoded (it started fresh).
    func savedStateUndecodable(_ control: RunControl, message: String)
}

final class RunControl: TaskContextBackend, @unchecked Sendable {
    let taskID: String
    let attempt: Int
    // Invariant: the fields below are only touched with `condition` locked.
    private let condition = ConditionLock()
    private var pauseRequested = false
    private var blockedInCheckpoint = false
    private var stopReason: StopReason?
    private var stopThrown: StopReason?
    private var latestState: Data?
    private var lastProgressEvent = ContinuousClock.now - .seconds(1)
    private var lastCheckpoint = ContinuousClock.now

    private let buffer: ActivityBuffer
    private let events: EventHub
    private let limits: TaskLimits
    /// Told when the thread blocks in a pause and when saved state is undecodable (weak: a
    /// reference, not two closures, so a blocked task costs no allocations for them).
    private weak var owner: (any RunControlOwner)?
    private var reportedUndecodableState = false
    private var abandoned = false
    private var worker: (pid: Int32, frozen: Bool)?

    init(
        taskID: String, attempt: Int, savedState: Data?, buffer: ActivityBuffer, events: EventHub, limits: TaskLimits,
        owner: any RunControlOwner
    ) {
        self.limits = limits
        self.taskID = taskID
        self.attempt = attempt
        self.latestState = savedState
        self.buffer = buffer
        self.events = events
        self.owner = owner
    }

    // MARK: Called by the manager (with its lock held; never the other way round).

    func requestPause() { locked { pauseRequested = true } }

    func cancelPauseRequest() { locked { pauseRequested = false } }

    /// Lets a task blocked at a checkpoint continue.
    func resume() {
        locked {
            blockedInCheckpoint = false
            condition.broadcast()
        }
    }

    /// The next (or current) checkpoint throws `TaskStopped`; see `StopReason.replaces` for which reason is kept.
    func requestStop(_ reason: StopReason) {
        locked {
            if reason.replaces(stopReason) { stopReason = reason }
            condition.broadcast()
        }
    }

    var requestedStop: StopReason? { locked { stopReason } }

    /// The attempt was failed without this thread (a timeout it never checkpointed through): its
    /// checkpoints throw from now on and its reports are dropped, so it cannot touch a later attempt.
    func abandon() {
        locked {
            abandoned = true
            if stopReason == nil { stopReason = .timeout(seconds: 0) }
            condition.broadcast()
        }
    }

    private var isAbandoned: Bool { locked { abandoned } }

    /// True while a pause is asked for and not yet reached (the worker driver polls it).
    var pauseIsRequested: Bool { locked { pauseRequested } }

    /// The worker process running this attempt, if it runs in one, and whether it is frozen.
    var workerState: (pid: Int32, frozen: Bool)? {
        get { locked { worker } }
        set { locked { worker = newValue } }
    }

    /// Seconds since the attempt started or last called `checkpoint()`.
    var secondsSinceCheckpoint: Double { locked { (ContinuousClock.now - lastCheckpoint).seconds } }

    // MARK: TaskContextBackend, called on the task's thread.

    func checkpoint() throws { try checkpoint(givingUpWhen: nil) }

    /// A checkpoint; while blocked in a pause, `ended` is asked every 50 ms and a true answer
    /// returns (the process a shell task's thread drives ended while frozen).
    func checkpoint(givingUpWhen ended: (() -> Bool)?) throws {
        condition.lock()
        lastCheckpoint = .now
        if let reason = stopReason {
            stopThrown = reason
            condition.unlock()
            throw TaskStopped(reason: reason.text)
        }
        guard pauseRequested else {
            condition.unlock()
            return
        }
        pauseRequested = false
        blockedInCheckpoint = true
        condition.unlock()
        owner?.threadReachedPause(self)
        condition.lock()
        // Blocks without using CPU until resumed (or stopped).
        while blockedInCheckpoint && stopReason == nil {
            if let ended {
                if ended() { break }
                condition.wait(seconds: 0.05)
            } else {
                condition.wait()
            }
        }
        let reason = stopReason
        if let reason { stopThrown = reason }
        condition.unlock()
        if let reason { throw TaskStopped(reason: reason.text) }
    }

    var isStopRequested: Bool { locked { stopReason != nil } }

    /// The stop a checkpoint of this attempt threw, if one did: the task was told, so whatever it
    /// does afterwards (swallow it and return, throw its own error) ends it as that stop.
    var deliveredStop: StopReason? { locked { stopThrown } }

    func progress(completed: Int64, total: Int64?, message: String?) {
        // A plugin's numbers and text are not trusted: no negative counts, no megabyte messages in every list row.
        guard !isAbandoned else { return }
        let progress = TaskProgress(
            completed: max(0, completed), total: total.map { max(0, $0) },
            message: message.map { $0.clippedForMessage(limit: Self.maxProgressMessage) })
        buffer.progress(taskID, progress)
        let now = ContinuousClock.now
        let publish = locked {
            // Live events are throttled to 10 per second per task; the final value is always stored.
            guard now - lastProgressEvent >= .milliseconds(100) || (total.map { completed >= $0 } ?? false) else { return false }
            lastProgressEvent = now
            return true
        }
        if publish { events.publish(.progress(taskID: taskID, progress: progress)) }
    }

    func log(_ level: LogLevel, _ message: String) {
        guard !isAbandoned else { return }
        buffer.log(taskID, level, limits.clippedLogLine(message))
    }

    func saveState(_ data: Data) throws {
        guard data.count <= limits.maxSavedStateBytes else {
            throw TaskError(
                "saved state is \(ByteCount.text(data.count)), over this host's \(ByteCount.text(limits.maxSavedStateBytes)) saved-state limit; save a position, not the data")
        }
        guard !isAbandoned else { throw TaskStopped(reason: "the attempt was failed by its timeout") }
        locked { latestState = data }
        buffer.saveState(taskID, data)
    }

    func savedStateData() -> Data? { locked { latestState } }

    func savedStateUndecodable(_ reason: String) {
        let first = locked {
            defer { reportedUndecodableState = true }
            return !reportedUndecodableState
        }
        guard first else { return }
        let message = "the saved state could not be decoded, so this attempt started fresh: \(reason.clippedForMessage(limit: 500))"
        buffer.log(taskID, .warning, message)
        owner?.savedStateUndecodable(self, message: message)
    }

    private func locked<Result>(_ body: () -> Result) -> Result {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    /// The longest progress message kept, in characters.
    static let maxProgressMessage = 500

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}
