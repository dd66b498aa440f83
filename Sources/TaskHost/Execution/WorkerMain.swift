import CProcessShims
import Foundation
import TaskKit

/// The worker process (`taskhost worker`, hidden): runs one task attempt for the host, which
/// speaks to it in frames over standard input (a socket), and stays the only writer of SQLite.
public enum WorkerMain {
    /// Runs the attempt the host sends and returns the process's exit status.
    public static func run() -> Int32 {
        // Die with the host, even by SIGKILL; and if it is already gone, do not start.
        _ = taskhost_set_parent_death_signal(SIGKILL)
        if getppid() == 1 { return 70 }
        // The protocol gets a descriptor of its own; what the plugin prints goes to standard error.
        let socket = dup(0)
        guard socket >= 0 else { return 71 }
        dup2(2, 1)
        let devNull = open("/dev/null", O_RDONLY)
        if devNull >= 0 {
            dup2(devNull, 0)
            close(devNull)
        }
        let channel = FrameChannel(descriptor: socket)
        guard let start = waitForStart(channel) else { return 72 }
        applyLimits(start)
        let backend = WorkerBackend(channel: channel, savedState: start.savedState)
        let reader = Thread { follow(channel, backend: backend) }
        reader.start()
        channel.send(runAttempt(start, backend: backend))
        return 0
    }

    private static func waitForStart(_ channel: FrameChannel) -> WorkerStart? {
        while true {
            if case .start(let start)? = try? channel.nextFrame(as: WorkerCommand.self) { return start }
            guard channel.receive() else { return nil }
        }
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
        switch TaskManager.execute(type, parameters: parameters, context: context, limits: limits, stopReason: { nil }) {
        case .finished(let json): return .finished(resultJSON: json)
        case .failed(let message, let errorType): return .failed(message: message, errorType: errorType)
        case .stopped: return .stopped
        }
    }

    /// Applies the host's pause, resume and stop; a host that goes away stops the task.
    private static func follow(_ channel: FrameChannel, backend: WorkerBackend) {
        while true {
            while let command = try? channel.nextFrame(as: WorkerCommand.self) {
                switch command {
                case .pause: backend.requestPause()
                case .resume: backend.resume()
                case .stop, .start: backend.requestStop()
                }
            }
            guard channel.receive() else {
                backend.requestStop()
                return
            }
        }
    }
}

/// The worker's side of `TaskContext`: checkpoints obey the host's frames; reports become frames.
final class WorkerBackend: TaskContextBackend, @unchecked Sendable {
    // Invariant: the flags are only touched with `condition` locked.
    private let condition = NSCondition()
    private var pauseRequested = false
    private var blocked = false
    private var stopRequested = false
    private var latestState: Data?
    private let channel: FrameChannel

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

    func requestStop() {
        locked {
            stopRequested = true
            condition.broadcast()
        }
    }

    func checkpoint() throws {
        condition.lock()
        if stopRequested {
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
        channel.send(WorkerReport.paused)
        condition.lock()
        while blocked && !stopRequested { condition.wait() }
        let stop = stopRequested
        condition.unlock()
        if stop { throw TaskStopped(reason: "stopped by the host") }
    }

    var isStopRequested: Bool { locked { stopRequested } }

    func progress(completed: Int64, total: Int64?, message: String?) {
        channel.send(WorkerReport.progress(completed: completed, total: total, message: message))
    }

    func log(_ level: LogLevel, _ message: String) { channel.send(WorkerReport.log(level: level, message: message)) }

    func saveState(_ data: Data) throws {
        locked { latestState = data }
        channel.send(WorkerReport.state(data))
    }

    func savedStateData() -> Data? { locked { latestState } }

    func savedStateUndecodable(_ reason: String) { channel.send(WorkerReport.stateUndecodable(reason)) }

    private func locked<Result>(_ body: () -> Result) -> Result {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }
}
