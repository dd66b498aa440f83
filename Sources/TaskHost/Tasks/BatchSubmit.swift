import Foundation

/// Many tasks in one request: `POST /v1/tasks/batch` and `taskhost start --from-file`.
public struct BatchSubmitRequest: Sendable, Codable, Equatable {
    /// The tasks, each as `POST /v1/tasks` takes one (at most `maxTasks`).
    public var tasks: [SubmitRequest]

    /// The most tasks one batch may hold.
    public static let maxTasks = 10_000

    /// Creates a batch.
    public init(tasks: [SubmitRequest]) { self.tasks = tasks }
}

/// What a stored batch answers: each task's id, in request order.
public struct BatchSubmitResult: Sendable, Codable, Equatable {
    /// The ids, in the order of the request.
    public var ids: [String]
    /// How many are new (an idempotency key may match an existing task).
    public var created: Int

    /// Creates a result.
    public init(ids: [String], created: Int) {
        self.ids = ids
        self.created = created
    }
}

/// Why one task of a batch was refused (the whole batch then was).
public struct BatchItemError: Sendable, Codable, Equatable {
    /// Its position in the request, from 0.
    public var index: Int
    /// A stable code, as for a single submit.
    public var code: String
    /// What is wrong with it.
    public var message: String

    /// Creates an item error.
    public init(index: Int, code: String, message: String) {
        self.index = index
        self.code = code
        self.message = message
    }
}
