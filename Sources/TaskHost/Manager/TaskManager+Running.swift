import Foundation
import TaskKit

/// How one attempt ended, as the thread saw it.
enum AttemptOutcome {
    case finished(resultJSON: String)
    case failed(message: String, errorType: String)
    case stopped(StopReason)

    /// True for `.stopped`.
    var isStop: Bool {
        if case .stopped = self { true } else { false }
    }
}

extension TaskManager {
    /// The body of a task's thread: `init` → `pre` → `run` → `post`, then record the outcome.
    func runAttempt(
        taskID: String, attempt: Int, type: any BaseTask.Type, parameters known: TaskParameters?, startWrite: (any CommitTicket)?,
        worker: WorkerPlan? = nil
    ) {
        let parameters: TaskParameters
        let savedState: Data?
        do {
            // "running" must be durable before the body runs: after a crash the task is then
            // interrupted (or requeued on request), never silently run a second time. It also
            // puts an earlier attempt's saved state on disk before it is read back.
            try startWrite?.wait()
        } catch {
            startNotDurable(taskID: taskID)
            return
        }
        do {
            parameters = try known ?? storage.record(taskID).parameters
            savedState = attempt > 1 ? try storage.savedState(taskID) : nil
        } catch {
            finishAttempt(taskID: taskID, attempt: attempt, control: nil, outcome: .failed(message: "\(error)", errorType: "StoreError"))
            return
        }
        guard let buffer = storage.activity else { return }
        let control = RunControl(
            taskID: taskID, attempt: attempt, savedState: savedState, buffer: buffer, events: events, limits: configuration.limits, owner: self)
        guard attach(control) else { return }
        let outcome: AttemptOutcome
        if type is ShellTask.Type {
            let shell = runCommand(parameters: parameters, control: control)
            finishAttempt(taskID: taskID, attempt: attempt, control: control, outcome: shell.outcome, exit: shell.exit, resultJSON: shell.resultJSON)
            return
        } else if let worker {
            outcome = runInWorker(worker, taskID: taskID, attempt: attempt, type: type, parameters: parameters, savedState: savedState, control: control)
        } else {
            let context = TaskContext(taskID: taskID, attempt: attempt, parameters: parameters, backend: control)
            outcome = Self.execute(
                type, parameters: parameters, context: context, limits: configuration.limits, stopReason: { control.requestedStop },
                deliveredStop: { control.deliveredStop })
        }
        finishAttempt(taskID: taskID, attempt: attempt, control: control, outcome: outcome)
    }

    /// Runs a shell task's command, driven from this thread.
    private func runCommand(parameters: TaskParameters, control: RunControl) -> ShellOutcome {
        let command: ShellCommand
        do { command = try ShellCommand(parameters: parameters) } catch {
            return ShellOutcome(outcome: .failed(message: "\(error)", errorType: "InvalidParameters"))
        }
        return ShellAttempt(command: command, control: control, maxLineBytes: configuration.limits.maxLogLineBytes).run()
    }

    /// Runs the attempt in a worker process, driven from this thread.
    private func runInWorker(
        _ plan: WorkerPlan, taskID: String, attempt: Int, type: any BaseTask.Type, parameters: TaskParameters, savedState: Data?,
        control: RunControl
    ) -> AttemptOutcome {
        guard let executable = configuration.workerExecutable, let image = registry.image(of: type.name) else {
            return .failed(message: "process isolation is not available for '\(type.name)' in this host", errorType: "WorkerStart")
        }
        let start = WorkerStart(
            taskID: taskID, attempt: attempt, image: image, type: type.name, parameters: parameters.values, savedState: savedState,
            memoryLimitBytes: plan.memoryLimitBytes, cpuLimitSeconds: plan.cpuLimitSeconds, maxResultBytes: configuration.limits.maxResultBytes)
        return WorkerAttempt(executable: executable, start: start, control: control, pool: workerPool(executable)).run()
    }

    /// Runs the hooks of one attempt and classifies how it ended (on a host thread, or in a worker process).
    /// `deliveredStop`: the stop a checkpoint threw; a task told to stop by the user ends stopped
    /// whatever it returns or throws afterwards.
    static func execute(
        _ type: any BaseTask.Type, parameters: TaskParameters, context: TaskContext, limits: TaskLimits,
        stopReason: () -> StopReason?, deliveredStop: () -> StopReason? = { nil }
    ) -> AttemptOutcome {
        var task: any BaseTask
        do {
            task = try type.init(parameters: parameters)
        } catch {
            return .failed(message: "\(error)", errorType: String(describing: Swift.type(of: error)))
        }
        var outcome: AttemptOutcome
        do {
            try task.pre(context: context)
            let output = try task.run(context: context)
            let json = encodeResult(output)
            if json.utf8.count > limits.maxResultBytes {
                outcome = .failed(
                    message: "the result is \(ByteCount.text(json.utf8.count)) as JSON, over this host's \(ByteCount.text(limits.maxResultBytes)) "
                        + "result limit; write large output to a file and return its path",
                    errorType: "ResultTooLarge")
            } else {
                outcome = .finished(resultJSON: json)
            }
        } catch is TaskStopped {
            outcome = .stopped(stopReason() ?? .user)
        } catch {
            outcome = .failed(message: "\(error)", errorType: String(describing: Swift.type(of: error)))
        }
        if case .user? = deliveredStop(), !outcome.isStop { outcome = .stopped(.user) }
        let hookOutcome: TaskOutcome
        switch outcome {
        case .finished: hookOutcome = .finished
        case .failed(let message, _): hookOutcome = .failed(message: message)
        case .stopped(.shutdown): hookOutcome = .suspended
        case .stopped(.timeout(let seconds)): hookOutcome = .failed(message: StopReason.timeout(seconds: seconds).text)
        case .stopped: hookOutcome = .stopped
        }
        task.post(context: context, outcome: hookOutcome)
        return outcome
    }

    private static func encodeResult(_ output: any Encodable) -> String {
        // Most tasks return nothing; an encoder made for each of them was a few % of a short task's CPU.
        if output is EmptyOutput { return "{}" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(output) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Registers the thread's control with its live task, applying requests that arrived before it existed.
    private func attach(_ control: RunControl) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        // After the shutdown's last decision no task's code starts.
        guard let task = currentAttempt(control.taskID, control.attempt), task.status == .running else { return false }
        task.control = control
        controls.withLock { $0[control.taskID] = control }
        if task.pauseRequested { control.requestPause() }
        if let reason = task.requestedStop { control.requestStop(reason) }
        if !state.acceptingWork { control.requestStop(.shutdown) }
        return true
    }
}
