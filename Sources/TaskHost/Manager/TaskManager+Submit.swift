import Foundation
import TaskKit

/// A submit that passed every check, with its row built.
struct PreparedSubmit {
    let record: TaskRecord
    /// The parameters as stored (encoded once, for the size check and the row).
    let parametersJSON: String
    let type: any BaseTask.Type
    let settings: TaskTypeSettings
}

extension TaskManager {
    /// Validates and stores a new task, then schedules it; returns its id once the task is durable.
    /// With an idempotency key already used by a task that has not failed, returns that task's id.
    public func submit(
        type typeName: String, parameters input: [String: ParameterValue], options: SubmitOptions = SubmitOptions(),
        actor: String = "api"
    ) throws(TaskHostError) -> String {
        try submit(SubmitRequest(type: typeName, parameters: input, options: options), actor: actor).id
    }

    /// Like `submit(type:parameters:options:actor:)`; `created` is false when an idempotency key matched an existing task.
    public func submit(_ request: SubmitRequest, actor: String = "api") throws(TaskHostError) -> (id: String, created: Bool) {
        let now = Date()
        let prepared = try prepare(request, now: now)
        let typeName = prepared.record.type
        // A task that can start at once is inserted already running: one commit, not two.
        lock.lock()
        guard state.acceptingWork else {
            lock.unlock()
            throw .shuttingDown
        }
        let startsAtOnce = prepared.record.idempotencyKey == nil && prepared.record.runAt == nil
            && reserveSlotAtOnce(typeName, limit: prepared.settings.maxConcurrentRuns)
        lock.unlock()
        let inserted: (id: String, seq: Int64, existing: Bool)
        do {
            inserted = try storage.insert(prepared.record, parametersJSON: prepared.parametersJSON, actor: actor, startedAt: startsAtOnce ? now.timeIntervalSince1970 : nil)
        } catch {
            if startsAtOnce { releaseReservedSlot(typeName) }
            throw error
        }
        guard !inserted.existing else { return (inserted.id, false) }

        lock.lock()
        let task = register(prepared, seq: inserted.seq)
        var attempt: TaskThreadPool.Job?
        if startsAtOnce {
            task.holdsSlot = true
            attempt = launchInserted(task, type: prepared.type)
            if !state.acceptingWork { state.requestStop(task, .shutdown) }
            // Only a deadline needs the scheduler: nothing else about this task is left to decide.
            if task.deadline != nil { lock.broadcast() }
        } else {
            state.enqueue(task, now: now.timeIntervalSince1970)
            lock.broadcast()
        }
        lock.unlock()
        // Handed to its thread after the lock is released: the woken thread takes the lock at
        // once (to attach its control), and on two cores it preempted the submitter still holding it.
        if let attempt { threads.run(attempt) }
        return (inserted.id, true)
    }

    /// Stores many tasks in one transaction, all or none: if any is invalid, none is stored and
    /// the error lists each refused one. Returns each task's id (in order) and whether it is new.
    public func submit(batch requests: [SubmitRequest], actor: String = "api") throws(TaskHostError) -> [(id: String, created: Bool)] {
        guard requests.count <= BatchSubmitRequest.maxTasks else {
            throw .invalidOption("a batch holds at most \(BatchSubmitRequest.maxTasks) tasks; this one has \(requests.count): split it")
        }
        let now = Date()
        var prepared: [PreparedSubmit] = []
        prepared.reserveCapacity(requests.count)
        var problems: [BatchItemError] = []
        for (index, request) in requests.enumerated() {
            do {
                prepared.append(try prepare(request, now: now))
            } catch {
                problems.append(BatchItemError(index: index, code: error.code, message: error.description))
            }
        }
        guard problems.isEmpty else { throw .invalidBatch(problems, total: requests.count) }
        guard !prepared.isEmpty else { return [] }
        return try submit(prepared: prepared, actor: actor)
    }

    /// Stores validated tasks in one transaction (with the schedule advances of the firings that
    /// made them), then queues them; returns each task's id and whether it is new.
    func submit(prepared: [PreparedSubmit], advances: [ScheduleAdvance] = [], actor: String) throws(TaskHostError) -> [(id: String, created: Bool)] {
        lock.lock()
        let accepting = state.acceptingWork
        lock.unlock()
        guard accepting else { throw .shuttingDown }
        let inserted = try storage.insert(
            batch: prepared.map(\.record), parametersJSON: prepared.map(\.parametersJSON), actor: actor, firings: advances)
        lock.lock()
        defer { lock.unlock() }
        let now = Date().timeIntervalSince1970
        for (item, row) in zip(prepared, inserted) where !row.existing {
            state.enqueue(register(item, seq: row.seq), now: now)
        }
        lock.broadcast()
        return inserted.map { ($0.id, !$0.existing) }
    }

    /// Checks a submit (type, options, tags, parameters, isolation) and builds its row; nothing is stored.
    func prepare(_ request: SubmitRequest, now: Date, source: TaskSource = .manual, schedule: (id: String, scheduledFor: Date)? = nil)
        throws(TaskHostError) -> PreparedSubmit
    {
        let typeName = request.type, input = request.parameters, options = request.options
        let type: any BaseTask.Type
        do { type = try registry.lookup(typeName) } catch { throw .typeLookup(error) }
        try options.validate(now: now)
        let tagProblems = configuration.limits.tagProblems(options.tags)
        guard tagProblems.isEmpty else { throw .invalidOption("invalid options: " + tagProblems.joined(separator: "; ")) }
        let parameters: TaskParameters
        let parametersJSON: String
        do {
            parameters = try type.parameters.validate(input, typeName: typeName)
            parametersJSON = CompactJSON.object(parameters.values)
            if let problem = configuration.limits.parameterProblem(encodedBytes: parametersJSON.utf8.count) {
                throw ParameterValidationError(typeName: typeName, problems: [problem])
            }
            _ = try type.init(parameters: parameters)
        } catch let error as ParameterValidationError {
            throw .invalidParameters(error)
        } catch {
            throw .invalidParameters(ParameterValidationError(typeName: typeName, problems: ["\(error)".clippedForMessage]))
        }
        let settings = type.settings.sanitized()
        // The submit's word, else the type's wish (when this host can run workers), else the host's default.
        let typeWantsProcess = settings.prefersProcessIsolation && configuration.workerExecutable != nil && registry.image(of: typeName) != nil
        let isolation = options.isolation ?? (typeWantsProcess || type is ShellTask.Type ? .process : configuration.defaultIsolation)
        if type is ShellTask.Type {
            // A command is always a process of its own; the worker's limits do not apply to it.
            guard isolation == .process else { throw .invalidOption("shell tasks always run as a process group of their own; leave out isolation thread") }
            guard options.memoryLimitBytes == nil, options.cpuLimitSeconds == nil else {
                throw .invalidOption("memory and CPU limits apply to plugin tasks in worker processes, not to shell commands; use ulimit in the command ('ulimit -v 1048576; ...')")
            }
        } else if isolation == .process {
            guard configuration.workerExecutable != nil else {
                throw .invalidOption("process isolation is not available in this host (it needs the taskhost binary to run workers); use isolation thread")
            }
            guard registry.image(of: typeName) != nil else {
                throw .invalidOption("task type '\(typeName)' was not loaded from a plugin file, so it cannot run in a worker process; use isolation thread")
            }
        } else if options.memoryLimitBytes != nil || options.cpuLimitSeconds != nil {
            throw .invalidOption("memory and CPU limits apply to process isolation only; ask for process isolation as well")
        }
        let runAt = options.runAt ?? options.delaySeconds.map { now.addingTimeInterval($0) }
        let record = TaskRecord(
            id: Self.newTaskID(), type: typeName, name: options.name, status: .pending, priority: options.priority,
            parameters: parameters, tags: options.tags, attempt: 0, maxRetries: options.maxRetries ?? settings.retries,
            retriesUsed: 0, backoff: options.backoff ?? settings.backoff,
            timeoutSeconds: options.timeoutSeconds ?? settings.timeoutSeconds,
            requeueOnInterrupt: options.requeueOnInterrupt ?? settings.requeueOnInterrupt,
            idempotencyKey: options.idempotencyKey, createdAt: now, updatedAt: now, runAt: runAt, startedAt: nil,
            finishedAt: nil, progress: nil, result: nil, error: nil, stopRequested: false, pauseRequested: false,
            waitingReason: nil, isolation: isolation, memoryLimitBytes: options.memoryLimitBytes, cpuLimitSeconds: options.cpuLimitSeconds,
            source: source, schedule: schedule?.id, scheduledFor: schedule?.scheduledFor)
        return PreparedSubmit(record: record, parametersJSON: parametersJSON, type: type, settings: settings)
    }

    /// The live task of a stored new row, published as pending. Called with `lock` held.
    private func register(_ prepared: PreparedSubmit, seq: Int64) -> LiveTask {
        let record = prepared.record
        let task = LiveTask(
            id: record.id, type: record.type, seq: seq, status: .pending, priority: record.priority, attempt: 0,
            runAt: record.runAt?.timeIntervalSince1970)
        task.timeoutSeconds = record.timeoutSeconds
        task.maxRetries = record.maxRetries
        task.backoff = record.backoff
        task.parameters = record.parameters
        task.isolation = record.isolation
        task.memoryLimitBytes = record.memoryLimitBytes
        task.cpuLimitSeconds = record.cpuLimitSeconds
        task.requeueOnInterrupt = record.requeueOnInterrupt
        state.live[record.id] = task
        publish(task)
        return task
    }

    /// Takes a slot for a new task if it may start right now: a slot of its own and of its
    /// type is free and nothing else is waiting for one. Called with `lock` held.
    private func reserveSlotAtOnce(_ typeName: String, limit: Int?) -> Bool {
        guard state.running < configuration.maxRunning, state.ready.isEmpty, state.blocked[typeName]?.isEmpty ?? true else { return false }
        if let limit, state.runningByType[typeName, default: 0] >= limit { return false }
        state.running += 1
        state.runningByType[typeName, default: 0] += 1
        return true
    }

    /// Gives back a slot taken by `reserveSlotAtOnce` for a task that was not stored.
    private func releaseReservedSlot(_ typeName: String) {
        lock.lock()
        state.running -= 1
        state.runningByType[typeName, default: 1] -= 1
        state.unblock(type: typeName)
        lock.broadcast()
        lock.unlock()
    }

    /// 32 random hex digits (128 bits from the system generator, read 4 KB at a time).
    static func newTaskID() -> String { RandomIDs.shared.next() }

}
