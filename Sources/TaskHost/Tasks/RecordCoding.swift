import Foundation
import TaskKit

// The API's JSON for records that carry parameters. Written out (not synthesized) for one field:
// a shell task's `argv` and `env` are JSON text inside (TaskKit parameters are scalars), and a
// client reads them as the array and object they are.

extension TaskRecord {
    private enum CodingKeys: String, CodingKey {
        case id, type, name, status, priority, parameters, tags, attempt, maxRetries, retriesUsed, backoff, timeoutSeconds,
            requeueOnInterrupt, idempotencyKey, createdAt, updatedAt, runAt, startedAt, finishedAt, progress, result,
            error, stopRequested, pauseRequested, waitingReason, notice, secondsSinceCheckpoint, isolation,
            memoryLimitBytes, cpuLimitSeconds, pid, exitCode, signal, source, schedule, scheduledFor, pausedAt
    }

    /// Decodes the API's JSON; a parameter given as a JSON array or object becomes its JSON text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        type = try container.decode(String.self, forKey: .type)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        status = try container.decode(TaskStatus.self, forKey: .status)
        priority = try container.decode(Int.self, forKey: .priority)
        parameters = try ParameterJSON.decode(from: container, forKey: .parameters)
        tags = try container.decode([String: String].self, forKey: .tags)
        attempt = try container.decode(Int.self, forKey: .attempt)
        maxRetries = try container.decode(Int.self, forKey: .maxRetries)
        retriesUsed = try container.decode(Int.self, forKey: .retriesUsed)
        backoff = try container.decode(Backoff.self, forKey: .backoff)
        timeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .timeoutSeconds)
        requeueOnInterrupt = try container.decode(Bool.self, forKey: .requeueOnInterrupt)
        idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        updatedAt = try container.decode(Date.self, forKey: .updatedAt)
        runAt = try container.decodeIfPresent(Date.self, forKey: .runAt)
        startedAt = try container.decodeIfPresent(Date.self, forKey: .startedAt)
        finishedAt = try container.decodeIfPresent(Date.self, forKey: .finishedAt)
        progress = try container.decodeIfPresent(TaskProgress.self, forKey: .progress)
        result = try container.decodeIfPresent(String.self, forKey: .result)
        error = try container.decodeIfPresent(TaskFailure.self, forKey: .error)
        stopRequested = try container.decode(Bool.self, forKey: .stopRequested)
        pauseRequested = try container.decode(Bool.self, forKey: .pauseRequested)
        waitingReason = try container.decodeIfPresent(String.self, forKey: .waitingReason)
        notice = try container.decodeIfPresent(String.self, forKey: .notice)
        secondsSinceCheckpoint = try container.decodeIfPresent(Double.self, forKey: .secondsSinceCheckpoint)
        isolation = try container.decodeIfPresent(TaskIsolation.self, forKey: .isolation) ?? .thread
        memoryLimitBytes = try container.decodeIfPresent(Int.self, forKey: .memoryLimitBytes)
        cpuLimitSeconds = try container.decodeIfPresent(Int.self, forKey: .cpuLimitSeconds)
        pid = try container.decodeIfPresent(Int32.self, forKey: .pid)
        exitCode = try container.decodeIfPresent(Int.self, forKey: .exitCode)
        signal = try container.decodeIfPresent(Int.self, forKey: .signal)
        source = try container.decodeIfPresent(TaskSource.self, forKey: .source) ?? .manual
        schedule = try container.decodeIfPresent(String.self, forKey: .schedule)
        scheduledFor = try container.decodeIfPresent(Date.self, forKey: .scheduledFor)
        pausedAt = try container.decodeIfPresent(String.self, forKey: .pausedAt)
    }

    /// Encodes as the API answers; a parameter its type declares as JSON text is written as that JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encode(status, forKey: .status)
        try container.encode(priority, forKey: .priority)
        try ParameterJSON.encode(parameters, type: type, into: &container, forKey: .parameters)
        try container.encode(tags, forKey: .tags)
        try container.encode(attempt, forKey: .attempt)
        try container.encode(maxRetries, forKey: .maxRetries)
        try container.encode(retriesUsed, forKey: .retriesUsed)
        try container.encode(backoff, forKey: .backoff)
        try container.encodeIfPresent(timeoutSeconds, forKey: .timeoutSeconds)
        try container.encode(requeueOnInterrupt, forKey: .requeueOnInterrupt)
        try container.encodeIfPresent(idempotencyKey, forKey: .idempotencyKey)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encodeIfPresent(runAt, forKey: .runAt)
        try container.encodeIfPresent(startedAt, forKey: .startedAt)
        try container.encodeIfPresent(finishedAt, forKey: .finishedAt)
        try container.encodeIfPresent(progress, forKey: .progress)
        try container.encodeIfPresent(result, forKey: .result)
        try container.encodeIfPresent(error, forKey: .error)
        try container.encode(stopRequested, forKey: .stopRequested)
        try container.encode(pauseRequested, forKey: .pauseRequested)
        try container.encodeIfPresent(waitingReason, forKey: .waitingReason)
        try container.encodeIfPresent(notice, forKey: .notice)
        try container.encodeIfPresent(secondsSinceCheckpoint, forKey: .secondsSinceCheckpoint)
        try container.encode(isolation, forKey: .isolation)
        try container.encodeIfPresent(memoryLimitBytes, forKey: .memoryLimitBytes)
        try container.encodeIfPresent(cpuLimitSeconds, forKey: .cpuLimitSeconds)
        try container.encodeIfPresent(pid, forKey: .pid)
        try container.encodeIfPresent(exitCode, forKey: .exitCode)
        try container.encodeIfPresent(signal, forKey: .signal)
        try container.encode(source, forKey: .source)
        try container.encodeIfPresent(schedule, forKey: .schedule)
        try container.encodeIfPresent(scheduledFor, forKey: .scheduledFor)
        try container.encodeIfPresent(pausedAt, forKey: .pausedAt)
    }
}

extension ScheduleRecord {
    private enum CodingKeys: String, CodingKey {
        case id, name, type, parameters, options, timing, catchUp, maxCatchUp, overlap, paused, nextAt, queuedFor,
            lastFiredFor, lastTaskID, fired, skipped, lastSkip, createdAt, updatedAt
    }

    /// Decodes the API's JSON; a parameter given as a JSON array or object becomes its JSON text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        type = try container.decode(String.self, forKey: .type)
        parameters = try ParameterJSON.decode(from: container, forKey: .parameters)
        options = try container.decode(SubmitOptions.self, forKey: .options)
        timing = try container.decode(ScheduleTiming.self, forKey: .timing)
        catchUp = try container.decode(CatchUpPolicy.self, forKey: .catchUp)
        maxCatchUp = try container.decode(Int.self, forKey: .maxCatchUp)
        overlap = try container.decode(OverlapPolicy.self, forKey: .overlap)
        paused = try container.decode(Bool.self, forKey: .paused)
        nextAt = try container.decodeIfPresent(Date.self, forKey: .nextAt)
        queuedFor = try container.decodeIfPresent(Date.self, forKey: .queuedFor)
        lastFiredFor = try container.decodeIfPresent(Date.self, forKey: .lastFiredFor)
        lastTaskID = try container.decodeIfPresent(String.self, forKey: .lastTaskID)
        fired = try container.decode(Int.self, forKey: .fired)
        skipped = try container.decode(Int.self, forKey: .skipped)
        lastSkip = try container.decodeIfPresent(String.self, forKey: .lastSkip)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        updatedAt = try container.decode(Date.self, forKey: .updatedAt)
    }

    /// Encodes as the API answers; a parameter its type declares as JSON text is written as that JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try ParameterJSON.encode(parameters, type: type, into: &container, forKey: .parameters)
        try container.encode(options, forKey: .options)
        try container.encode(timing, forKey: .timing)
        try container.encode(catchUp, forKey: .catchUp)
        try container.encode(maxCatchUp, forKey: .maxCatchUp)
        try container.encode(overlap, forKey: .overlap)
        try container.encode(paused, forKey: .paused)
        try container.encodeIfPresent(nextAt, forKey: .nextAt)
        try container.encodeIfPresent(queuedFor, forKey: .queuedFor)
        try container.encodeIfPresent(lastFiredFor, forKey: .lastFiredFor)
        try container.encodeIfPresent(lastTaskID, forKey: .lastTaskID)
        try container.encode(fired, forKey: .fired)
        try container.encode(skipped, forKey: .skipped)
        try container.encodeIfPresent(lastSkip, forKey: .lastSkip)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

/// Parameters as the API writes and reads them.
enum ParameterJSON {
    /// Decodes a parameters object; arrays and objects become their JSON text.
    static func decode<Key: CodingKey>(from container: KeyedDecodingContainer<Key>, forKey key: Key) throws -> TaskParameters {
        TaskParameters(try container.decode([String: RequestParameter].self, forKey: key).mapValues(\.value))
    }

    /// Encodes `parameters`; for a type that declares some as JSON text, those that hold valid
    /// JSON are written as that JSON.
    static func encode<Key: CodingKey>(
        _ parameters: TaskParameters, type: String, into container: inout KeyedEncodingContainer<Key>, forKey key: Key
    ) throws {
        let structured = type == ShellTask.name ? ShellTask.jsonTextParameters : []
        guard parameters.values.keys.contains(where: structured.contains) else {
            return try container.encode(parameters, forKey: key)
        }
        var values: [String: JSONFragment] = [:]
        for (name, value) in parameters.values {
            if structured.contains(name), case .string(let text) = value,
                let fragment = try? APICoding.decoder.decode(JSONFragment.self, from: Data(text.utf8))
            {
                values[name] = fragment
            } else {
                values[name] = JSONFragment(value)
            }
        }
        try container.encode(values, forKey: key)
    }
}

extension JSONFragment {
    /// A scalar parameter value as JSON.
    init(_ value: ParameterValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .int(let number): self = .integer(number)
        case .double(let number): self = .number(number)
        case .bool(let flag): self = .bool(flag)
        }
    }
}
