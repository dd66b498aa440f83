import Foundation
import TaskKit

/// Counts to `seconds` in small steps, checking in and reporting progress at every step.
/// Useful to try pause, resume, stop and crash recovery by hand.
struct SleepTask: BaseTask {
    static let name = "sleep"
    static let summary = "Count to N seconds in steps, with a checkpoint and progress at each step"
    static let parameters = [
        ParameterSpec("seconds", .double, default: .double(10), help: "how long to run, in seconds"),
        ParameterSpec("steps-per-second", .int, default: .int(10), help: "checkpoints per second (1-1000)"),
    ]

    struct State: Codable { var step: Int64 }
    struct Output: Encodable, Sendable { let steps: Int64; let resumedFromStep: Int64 }

    let totalSteps: Int64
    let stepNanoseconds: UInt64

    init(parameters: TaskParameters) throws {
        let seconds = try parameters.double("seconds")
        let rate = try parameters.int("steps-per-second")
        guard seconds >= 0, seconds <= 7 * 86_400 else { throw TaskError("seconds must be between 0 and 604800, got \(seconds)") }
        guard (1...1000).contains(rate) else { throw TaskError("steps-per-second must be between 1 and 1000, got \(rate)") }
        totalSteps = Int64((seconds * Double(rate)).rounded())
        stepNanoseconds = 1_000_000_000 / UInt64(rate)
    }

    func run(context: TaskContext) throws -> Output {
        let start = context.savedState(as: State.self)?.step ?? 0
        if start > 0 { context.log(.info, "resuming at step \(start) of \(totalSteps)") }
        var step = start
        while step < totalSteps {
            try context.checkpoint()
            var pause = timespec(tv_sec: Int(stepNanoseconds / 1_000_000_000), tv_nsec: Int(stepNanoseconds % 1_000_000_000))
            nanosleep(&pause, nil)
            step += 1
            try context.saveState(State(step: step))
            context.progress(completed: step, total: totalSteps)
        }
        return Output(steps: totalSteps, resumedFromStep: start)
    }
}
