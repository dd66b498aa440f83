import Foundation
import TaskKit

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
        let typeName = request.type, input = request.parameters, options = request.options
        let type: any BaseTask.Type
        do { type = try registry.lookup(typeName) } catch { throw .typeLookup(error) }
        try options.validate()
        let parameters: TaskParameters
        do {
            parameters = try type.parameters.validate(input, typeName: typeName)
            _ = try type.init(parameters: parameters)
        } catch let error as ParameterValidationError {
            throw .invalidParameters(error)
        } catch {
            throw .invalidParameters(ParameterValidationError(typeName: typeName, problems: ["\(error)"]))
        }
        guard isAcceptingWork else { throw .shuttingDown }

        let settings = type.settings
        let now = Date()
        let runAt = options.runAt ?? options.delaySeconds.map { now.addingTimeInterval($0) }
        let record = TaskRecord(
            id: Self.newTaskID(), type: typeName, name: options.name, status: .pending, priority: options.priority,
            parameters: parameters, tags: options.tags, attempt: 0, maxRetries: options.maxRetries ?? settings.retries,
            retriesUsed: 0, backoff: options.backoff ?? settings.backoff,
            timeoutSeconds: options.timeoutSeconds ?? settings.timeoutSeconds,
            requeueOnInterrupt: options.requeueOnInterrupt ?? settings.requeueOnInterrupt,
            idempotencyKey: options.idempotencyKey, createdAt: now, updatedAt: now, runAt: runAt, startedAt: nil,
            finishedAt: nil, progress: nil, result: nil, error: nil, stopRequested: false, pauseRequested: false,
            waitingReason: nil)
        let (id, seq, existing) = try store.insert(record, actor: actor)
        guard !existing else { return (id, false) }

        lock.lock()
        let task = LiveTask(
            id: id, type: typeName, seq: seq, status: .pending, priority: record.priority, attempt: 0,
            runAt: runAt?.timeIntervalSince1970)
        task.timeoutSeconds = record.timeoutSeconds
        task.maxRetries = record.maxRetries
        task.backoff = record.backoff
        task.parameters = parameters
        state.live[id] = task
        state.enqueue(task, now: now.timeIntervalSince1970)
        publishStatus(task)
        lock.broadcast()
        lock.unlock()
        return (id, true)
    }

    private var isAcceptingWork: Bool {
        lock.lock()
        defer { lock.unlock() }
        return state.acceptingWork
    }

    /// 32 random hex digits (128 bits from the system generator).
    static func newTaskID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: 0, count: 32)
        for half in 0..<2 {
            var bits = generator.next()
            for index in 0..<16 {
                bytes[half * 16 + index] = digits[Int(bits & 0xF)]
                bits >>= 4
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
