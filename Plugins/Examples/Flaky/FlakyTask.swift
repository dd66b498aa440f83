import TaskKit

/// Fails its first `failures` attempts, then succeeds: for trying retries and backoff.
struct FlakyTask: BaseTask {
    static let name = "flaky"
    static let summary = "Fail the first N attempts, then succeed (for retries)"
    static let parameters = [
        ParameterSpec("failures", .int, default: .int(2), help: "how many attempts fail before one succeeds")
    ]
    static let settings = TaskTypeSettings(retries: 3, backoff: Backoff(baseSeconds: 0.5, factor: 2, capSeconds: 10))

    struct Output: Encodable, Sendable { let succeededOnAttempt: Int }

    let failures: Int64

    init(parameters: TaskParameters) throws {
        failures = try parameters.int("failures")
        guard failures >= 0 else { throw TaskError("failures must be 0 or more, got \(failures)") }
    }

    func run(context: TaskContext) throws -> Output {
        try context.checkpoint()
        if context.attempt <= failures {
            context.log(.warning, "attempt \(context.attempt): failing on purpose (\(failures) planned)")
            throw TaskError("planned failure \(context.attempt) of \(failures)")
        }
        context.progress(completed: 1, total: 1)
        return Output(succeededOnAttempt: context.attempt)
    }
}
