import Foundation
import TaskKit

/// How a task should be run; every field has a default from the type or the host.
public struct SubmitOptions: Sendable, Codable, Equatable {
    /// A display name.
    public var name: String?
    /// Higher runs first (default 0).
    public var priority: Int = 0
    /// Start no earlier than this many seconds from now.
    public var delaySeconds: Double?
    /// Start no earlier than this time (wins over `delaySeconds`).
    public var runAt: Date?
    /// Retries after a failed run (default: the type's setting).
    public var maxRetries: Int?
    /// Delay between retries (default: the type's setting).
    public var backoff: Backoff?
    /// Fail a run longer than this many seconds (default: the type's setting).
    public var timeoutSeconds: Double?
    /// Requeue instead of marking interrupted after a crash (default: the type's setting).
    public var requeueOnInterrupt: Bool?
    /// A second submit with the same key, while the first task has not failed, returns the first id.
    public var idempotencyKey: String?
    /// Key/value labels.
    public var tags: [String: String] = [:]
    /// Thread (default: the host's) or worker process.
    public var isolation: TaskIsolation?
    /// Process isolation only: the worker's memory limit, in bytes.
    public var memoryLimitBytes: Int?
    /// Process isolation only: the worker's CPU-time limit, in seconds.
    public var cpuLimitSeconds: Int?

    /// Creates options.
    public init(
        name: String? = nil, priority: Int = 0, delaySeconds: Double? = nil, runAt: Date? = nil, maxRetries: Int? = nil,
        backoff: Backoff? = nil, timeoutSeconds: Double? = nil, requeueOnInterrupt: Bool? = nil,
        idempotencyKey: String? = nil, tags: [String: String] = [:], isolation: TaskIsolation? = nil, memoryLimitBytes: Int? = nil,
        cpuLimitSeconds: Int? = nil
    ) {
        self.isolation = isolation
        self.memoryLimitBytes = memoryLimitBytes
        self.cpuLimitSeconds = cpuLimitSeconds
        self.name = name
        self.priority = priority
        self.delaySeconds = delaySeconds
        self.runAt = runAt
        self.maxRetries = maxRetries
        self.backoff = backoff
        self.timeoutSeconds = timeoutSeconds
        self.requeueOnInterrupt = requeueOnInterrupt
        self.idempotencyKey = idempotencyKey
        self.tags = tags
    }

    private enum CodingKeys: String, CodingKey {
        case name, priority, delaySeconds, runAt, maxRetries, backoff, timeoutSeconds, requeueOnInterrupt, idempotencyKey, tags
        case isolation, memoryLimitBytes, cpuLimitSeconds
    }

    /// Decodes; every field may be omitted.
    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // Only the keys present: a batch decodes 10,000 of these, and a lookup per absent key was
        // a tenth of its decoding.
        for key in container.allKeys {
            switch key {
            case .name: name = try container.decodeIfPresent(String.self, forKey: key)
            case .priority: priority = try container.decodeIfPresent(Int.self, forKey: key) ?? 0
            case .delaySeconds: delaySeconds = try container.decodeIfPresent(Double.self, forKey: key)
            case .runAt: runAt = try container.decodeIfPresent(Date.self, forKey: key)
            case .maxRetries: maxRetries = try container.decodeIfPresent(Int.self, forKey: key)
            case .backoff: backoff = try container.decodeIfPresent(Backoff.self, forKey: key)
            case .timeoutSeconds: timeoutSeconds = try container.decodeIfPresent(Double.self, forKey: key)
            case .requeueOnInterrupt: requeueOnInterrupt = try container.decodeIfPresent(Bool.self, forKey: key)
            case .idempotencyKey: idempotencyKey = try container.decodeIfPresent(String.self, forKey: key)
            case .tags: tags = try container.decodeIfPresent([String: String].self, forKey: key) ?? [:]
            case .isolation: isolation = try container.decodeIfPresent(TaskIsolation.self, forKey: key)
            case .memoryLimitBytes: memoryLimitBytes = try container.decodeIfPresent(Int.self, forKey: key)
            case .cpuLimitSeconds: cpuLimitSeconds = try container.decodeIfPresent(Int.self, forKey: key)
            }
        }
    }

    /// Throws `.invalidOption` naming each option that makes no sense, its value and the allowed range.
    func validate(now: Date = Date()) throws(TaskHostError) {
        var problems: [String] = []
        if let retries = maxRetries, retries < 0 || retries > 1000 { problems.append("maxRetries must be 0...1000, got \(retries)") }
        if let delay = delaySeconds, let problem = TimeBounds.durationProblem(delay, field: "delaySeconds", allowZero: true) {
            problems.append(problem)
        }
        if let runAt, let problem = TimeBounds.dateProblem(runAt, field: "runAt", now: now) { problems.append(problem) }
        if let timeout = timeoutSeconds, let problem = TimeBounds.durationProblem(timeout, field: "timeoutSeconds", allowZero: false) {
            problems.append(problem)
        }
        if let backoff {
            for (field, value) in [("backoff.baseSeconds", backoff.baseSeconds), ("backoff.capSeconds", backoff.capSeconds)] {
                if let problem = TimeBounds.durationProblem(value, field: field, allowZero: true) { problems.append(problem) }
            }
            if !(backoff.factor >= 1 && backoff.factor <= 1000) {
                problems.append("backoff.factor \(TimeBounds.describe(backoff.factor)) is out of range: it must be 1...1000")
            }
        }
        if let bytes = memoryLimitBytes, !(bytes >= 64 << 20 && bytes <= 1 << 40) {
            problems.append("memoryLimitBytes \(bytes) is out of range: it must be 64 MB ... 1 TB (a worker itself needs about 25 MB)")
        }
        if let seconds = cpuLimitSeconds, !(seconds >= 1 && seconds <= 1_000_000) {
            problems.append("cpuLimitSeconds \(seconds) is out of range: it must be 1 ... 1000000")
        }
        if let key = idempotencyKey, key.isEmpty || key.count > 200 { problems.append("idempotency key must be 1...200 characters") }
        if let name, name.count > 200 { problems.append("name must be at most 200 characters") }
        guard problems.isEmpty else { throw .invalidOption("invalid options: " + problems.joined(separator: "; ")) }
    }
}
