import Foundation
import TaskKit

/// A request to start a task: what the API takes as `POST /v1/tasks` and the CLI sends.
public struct SubmitRequest: Sendable, Codable, Equatable {
    /// The task type's name.
    public var type: String
    /// Parameter values: JSON strings, numbers and booleans (text is converted to the declared kind);
    /// an array or object is passed as its JSON text.
    public var parameters: [String: ParameterValue]
    /// How to run it.
    public var options: SubmitOptions

    /// Creates a request.
    public init(type: String, parameters: [String: ParameterValue] = [:], options: SubmitOptions = SubmitOptions()) {
        self.type = type
        self.parameters = parameters
        self.options = options
    }

    private enum CodingKeys: String, CodingKey { case type, parameters, options }

    /// Decodes; `parameters` and `options` may be omitted.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        parameters = (try container.decodeIfPresent([String: RequestParameter].self, forKey: .parameters) ?? [:]).mapValues(\.value)
        options = try container.decodeIfPresent(SubmitOptions.self, forKey: .options) ?? SubmitOptions()
    }
}

/// A task with its attempt history: `GET /v1/tasks/{id}` and `taskhost show`.
public struct TaskDetail: Sendable, Codable, Equatable {
    /// The task.
    public var task: TaskRecord
    /// Its runs, first first.
    public var attempts: [AttemptRecord]

    /// Creates a detail.
    public init(task: TaskRecord, attempts: [AttemptRecord]) {
        self.task = task
        self.attempts = attempts
    }
}

/// `GET /v1/healthz`.
public struct HealthReport: Sendable, Codable, Equatable {
    /// "ok", or "degraded" when the database cannot be written (`problem` says why).
    public var status: String
    /// The host's process id.
    public var pid: Int32
    /// The home directory.
    public var home: String
    /// Seconds since the host started.
    public var uptimeSeconds: Double
    /// Tasks by status.
    public var tasks: [String: Int]
    /// Why the host is degraded: "database not writable: No space left on device (<path>, 0 bytes free)".
    public var problem: String?

    /// Creates a report.
    public init(status: String, pid: Int32, home: String, uptimeSeconds: Double, tasks: [String: Int], problem: String? = nil) {
        self.problem = problem
        self.status = status
        self.pid = pid
        self.home = home
        self.uptimeSeconds = uptimeSeconds
        self.tasks = tasks
    }
}

/// `POST /v1/prune`.
public struct PruneRequest: Sendable, Codable, Equatable {
    /// Delete terminal tasks that ended more than this many seconds ago.
    public var olderThanSeconds: Double

    /// Creates a request.
    public init(olderThanSeconds: Double) { self.olderThanSeconds = olderThanSeconds }
}

/// The answer to `POST /v1/prune`.
public struct PruneResult: Sendable, Codable, Equatable {
    /// How many tasks were deleted.
    public var deleted: Int

    /// Creates a result.
    public init(deleted: Int) { self.deleted = deleted }
}
