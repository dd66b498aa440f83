import ArgumentParser
import Foundation
import TaskHost

/// The options every way of submitting a task shares (`start`, `exec`).
struct TaskOptions: ParsableArguments {
    @Option(name: .long, help: "A display name.")
    var name: String?

    @Option(name: .long, help: "Higher runs first.")
    var priority = 0

    @Option(name: .long, parsing: .unconditional, help: "Start no earlier than this from now (30s, 10m, 2h).")
    var delay: String?

    @Option(name: .long, help: "Start no earlier than this time (ISO 8601, or HH:MM today).")
    var at: String?

    @Option(name: .long, help: "Retries after a failed run (default: the type's).")
    var retries: Int?

    @Option(name: .long, parsing: .unconditional, help: "Fail a run that takes longer than this (30s, 10m, 2h; a unit is required).")
    var timeout: String?

    @Option(name: .long, help: "Idempotency key.")
    var key: String?

    @Option(name: .long, help: "A tag, key=value (repeatable).")
    var tag: [String] = []

    /// The options as the API takes them; throws a usage error naming the flag.
    func submitOptions() throws -> SubmitOptions {
        var options = SubmitOptions(name: name, priority: priority, maxRetries: retries, idempotencyKey: key)
        options.tags = try KeyValue.parse(tag, what: "--tag")
        if let delay {
            options.delaySeconds = try DurationParser.checked(delay, flag: "--delay", allowZero: true)
        }
        if let at {
            guard let date = TimeParser.date(at) else {
                throw CLIError.usage("--at '\(at.clippedForMessage)' is not a time (try 2026-12-01T09:00:00Z or 14:30)")
            }
            if let problem = TimeBounds.dateProblem(date, field: "--at") { throw CLIError.usage(problem) }
            options.runAt = date
        }
        if let timeout {
            options.timeoutSeconds = try DurationParser.checked(timeout, flag: "--timeout", allowZero: false)
        }
        return options
    }
}
