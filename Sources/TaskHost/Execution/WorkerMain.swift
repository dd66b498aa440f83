import CProcessShims
import Foundation
import TaskKit

/// The worker process (`taskhost worker`, hidden): runs one task attempt for the host, which
/// speaks to it in frames over standard input (a socket), and stays the only writer of the database.
public enum WorkerMain {
    /// Runs the attempt the host sends and returns the process's exit status.
    public static func run() -> Int32 {
        // Die with the host, even by SIGKILL; and if it is already gone, do not start.
        _ = taskhost_set_parent_death_signal(SIGKILL)
        if getppid() == 1 { return 70 }
        // Signals as the defaults (a host thread's blocked set must not stop SIGXCPU or SIGTERM).
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        // The protocol gets a descriptor of its own, closed on exec (a program the plugin starts
        // must not hold it and hide the worker's end); what the plugin prints goes to standard error.
        let socket = fcntl(0, F_DUPFD_CLOEXEC, 3)
        guard socket >= 0 else { return 71 }
        dup2(2, 1)
        let devNull = open("/dev/null", O_RDONLY)
        if devNull >= 0 {
            dup2(devNull, 0)
            close(devNull)
        }
        let channel = FrameChannel(descriptor: socket)
        // One reader for the worker's life: `start` frames go to the loop below, pause, resume
        // and stop to the attempt that runs.
        let inbox = WorkerInbox()
        let reader = Thread { follow(channel, inbox: inbox) }
        reader.start()
        // Attempt after attempt (the host reuses a worker whose tasks set no limits), until the host hangs up.
        while let start = inbox.nextStart() {
            applyLimits(start)
            let backend = WorkerBackend(channel: channel, savedState: start.savedState)
            inbox.begin(backend)
            let outcome = runAttempt(start, backend: backend)
            // Done before the outcome goes out: nothing of this attempt (a thread the plugin left
            // running, a late pause or stop) may reach the next one.
            inbox.current = nil
            backend.retire()
            channel.send(outcome)
        }
        return 0
    }

    /// Address-space limits before any plugin code runs: data segment (heap) and CPU time.
    private static func applyLimits(_ start: WorkerStart) {
        if let bytes = start.memoryLimitBytes, bytes > 0 {
            var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
            setrlimit(Int32(RLIMIT_DATA.rawValue), &limit)
        }
        if let seconds = start.cpuLimitSeconds, seconds > 0 {
            // The soft limit sends SIGXCPU (reported as the CPU limit); the hard one a second later kills.
            var limit = rlimit(rlim_cur: rlim_t(seconds), rlim_max: rlim_t(seconds + 1))
            setrlimit(Int32(RLIMIT_CPU.rawValue), &limit)
        }
    }

    private static func runAttempt(_ start: WorkerStart, backend: WorkerBackend) -> WorkerReport {
        let types: [any BaseTask.Type]
        do {
            types = try PluginLoader.loadImage(start.image, displayPath: start.image).1
        } catch {
            return .failed(message: "the worker could not load the plugin: \(error.description)", errorType: "PluginLoad")
        }
        guard let type = types.first(where: { $0.name == start.type }) else {
            return .failed(message: "the plugin image no longer provides type '\(start.type)'", errorType: "PluginLoad")
        }
        let parameters: TaskParameters
        do {
            parameters = try type.parameters.validate(start.parameters, typeName: start.type)
        } catch {
            return .failed(message: error.description, errorType: "InvalidParameters")
        }
        let context = TaskContext(taskID: start.taskID, attempt: start.attempt, parameters: parameters, backend: backend)
        let limits = TaskLimits(maxResultBytes: start.maxResultBytes)
        let outcome = TaskManager.execute(
            type, parameters: parameters, context: context, limits: limits, stopReason: { nil },
            deliveredStop: { backend.userStopDelivered ? .user : nil })
        switch outcome {
        case .finished(let json): return .finished(resultJSON: json)
        case .failed(let message, let errorType): return .failed(message: message, errorType: errorType)
        case .stopped: return .stopped
        }
    }

    /// Reads the host's frames for the worker's whole life; a host that goes away stops the task and ends the loop.
    private static func follow(_ channel: FrameChannel, inbox: WorkerInbox) {
        while true {
            while let command = try? channel.nextFrame(as: WorkerCommand.self) {
                switch command {
                case .start(let start): inbox.deliver(start)
                case .pause: inbox.apply { $0.requestPause() }
                case .resume: inbox.apply { $0.resume() }
                case .stop: inbox.apply { $0.requestStop() }
                case .stopForUser: inbox.apply { $0.requestStop(byUser: true) }
                }
            }
            guard channel.receive() else {
                inbox.current?.requestStop()
                inbox.hangUp()
                return
            }
        }
    }
}

/// What the worker's reader hands to its main loop.
final class WorkerInbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var starts: [WorkerStart] = []
    private var closed = false
    private var running: WorkerBackend?

    /// Commands that arrived between a `start` and its attempt's beginning, applied when it begins.
    private var early: [@Sendable (WorkerBackend) -> Void] = []

    /// The attempt that runs now, if any.
    var current: WorkerBackend? {
        get { condition.withLock { running } }
        set { condition.withLock { running = newValue } }
    }

    /// The attempt for the last `start` begins: what was asked of it meanwhile applies now.
    func begin(_ backend: WorkerBackend) {
        let pending = condition.withLock {
            running = backend
            defer { early.removeAll() }
            return early
        }
        for command in pending { command(backend) }
    }

    /// Applies a command to the running attempt, or keeps it for the one about to begin.
    func apply(_ command: @escaping @Sendable (WorkerBackend) -> Void) {
        let backend = condition.withLock {
            if running == nil { early.append(command) }
            return running
        }
        if let backend { command(backend) }
    }

    func deliver(_ start: WorkerStart) {
        condition.withLock {
            starts.append(start)
            condition.signal()
        }
    }

    func hangUp() {
        condition.withLock {
            closed = true
            condition.signal()
        }
    }

    /// The next attempt to run; nil once the host hung up.
    func nextStart() -> WorkerStart? {
        condition.lock()
        defer { condition.unlock() }
        while starts.isEmpty && !closed { condition.wait() }
        return starts.isEmpty ? nil : starts.removeFirst()
    }
}

/// The worker's side of `TaskContext`: checkpoints obey the host's frames; reports become frames.
final class WorkerBackend: TaskContextBackend, @unchecked Sendable {
    // Invariant: the flags are only touched with `condition` locked.
    private let condition = NSCondition()
    private var pauseRequested = false
    private var blocked = false
    private var stopRequested = false
    private var stopIsUsers = false
    private var stopThrown = false
    private var latestState: Data?
    private var retired = false
    private let channel: FrameChannel

    /// The attempt ended: from now on its reports are dropped and its checkpoints throw.
    func retire() {
        locked {
            retired = true
            stopRequested = true
            condition.broadcast()
        }
    }

    private func send(_ report: WorkerReport) {
        guard !locked({ retired }) else { return }
        channel.send(report)
    }

    init(channel: FrameChannel, savedState: Data?) {
        self.channel = channel
        latestState = savedState
    }

    func requestPause() { locked { pauseRequested = true } }

    func resume() {
        locked {
            pauseRequested = false
            blocked = false
            condition.broadcast()
        }
    }

    func requestStop(byUser: Bool = false) {
        locked {
            stopRequested = true
            stopIsUsers = stopIsUsers || byUser
            condition.broadcast()
        }
    }

    /// True once a checkpoint threw a user's stop: the attempt then ends stopped.
    var userStopDelivered: Bool { locked { stopThrown && stopIsUsers } }

    func checkpoint() throws {
        condition.lock()
        if stopRequested {
            stopThrown = true
            condition.unlock()
            throw TaskStopped(reason: "stopped by the host")
        }
        guard pauseRequested else {
            condition.unlock()
            return
        }
        pauseRequested = false
        blocked = true
        condition.unlock()
        send(.paused)
        condition.lock()
        while blocked && !stopRequested { condition.wait() }
        let stop = stopRequested
        if stop { stopThrown = true }
        condition.unlock()
        if stop { throw TaskStopped(reason: "stopped by the host") }
    }

    var isStopRequested: Bool { locked { stopRequested } }

    func progress(completed: Int64, total: Int64?, message: String?) {
        send(.progress(completed: completed, total: total, message: message))
    }

    func log(_ level: LogLevel, _ message: String) { send(.log(level: level, message: message)) }

    func saveState(_ data: Data) throws {
        locked { latestState = data }
        send(.state(data))
    }

    func savedStateData() -> Data? { locked { latestState } }

    func savedStateUndecodable(_ reason: String) { send(.stateUndecodable(reason)) }

    private func locked<Result>(_ body: () -> Result) -> Result {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }
}
