import Foundation
import Synchronization
import TaskKit

/// Counts how many tasks of a kind run at once, measured inside the tasks themselves.
final class ConcurrencyGauge: Sendable {
    private let state = Mutex<(now: Int, peak: Int)>((0, 0))
    func enter() -> Int { state.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now); return $0.now } }
    func leave() { state.withLock { $0.now -= 1 } }
}

let allProbes = ConcurrencyGauge()
let limitedProbes = ConcurrencyGauge()

/// Runs for `ms` milliseconds and reports how many probe tasks were running when it started.
struct ProbeTask: BaseTask {
    static let name = "probe"
    static let parameters = [ParameterSpec("ms", .int, default: .int(5))]
    struct Output: Encodable, Sendable { let concurrent: Int; let startedAt: Double }
    let milliseconds: Int64
    init(parameters: TaskParameters) throws { milliseconds = try parameters.int("ms") }
    func run(context: TaskContext) throws -> Output {
        let concurrent = allProbes.enter()
        defer { allProbes.leave() }
        let started = Date().timeIntervalSince1970
        Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
        try context.checkpoint()
        return Output(concurrent: concurrent, startedAt: started)
    }
}

/// Like `probe`, but the type allows only two at once.
struct LimitedProbeTask: BaseTask {
    static let name = "limited-probe"
    static let parameters = [ParameterSpec("ms", .int, default: .int(5))]
    static let settings = TaskTypeSettings(maxConcurrentRuns: 2)
    struct Output: Encodable, Sendable { let concurrent: Int }
    let milliseconds: Int64
    init(parameters: TaskParameters) throws { milliseconds = try parameters.int("ms") }
    func run(context: TaskContext) throws -> Output {
        let concurrent = limitedProbes.enter()
        defer { limitedProbes.leave() }
        _ = allProbes.enter()
        defer { allProbes.leave() }
        Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
        return Output(concurrent: concurrent)
    }
}

/// Spins without ever calling `checkpoint()` for `ms` milliseconds.
struct NoCheckpointTask: BaseTask {
    static let name = "no-checkpoint"
    static let parameters = [ParameterSpec("ms", .int, default: .int(1000))]
    let milliseconds: Int64
    init(parameters: TaskParameters) throws { milliseconds = try parameters.int("ms") }
    func run(context: TaskContext) throws -> EmptyOutput {
        let end = Date().addingTimeInterval(Double(milliseconds) / 1000)
        while Date() < end { Thread.sleep(forTimeInterval: 0.005) }
        return EmptyOutput()
    }
}

/// Records its hooks in the log; fails in `run` when asked.
struct HooksTask: BaseTask {
    static let name = "hooks"
    static let parameters = [ParameterSpec("fail", .bool, default: .bool(false)), ParameterSpec("steps", .int, default: .int(0))]
    let fail: Bool
    let steps: Int64
    init(parameters: TaskParameters) throws {
        fail = try parameters.bool("fail")
        steps = try parameters.int("steps")
    }
    mutating func pre(context: TaskContext) throws { context.log(.info, "pre attempt \(context.attempt)") }
    mutating func run(context: TaskContext) throws -> EmptyOutput {
        for _ in 0..<steps {
            try context.checkpoint()
            Thread.sleep(forTimeInterval: 0.01)
        }
        if fail { throw TaskError("asked to fail") }
        return EmptyOutput()
    }
    mutating func post(context: TaskContext, outcome: TaskOutcome) { context.log(.info, "post \(outcome)") }
}

/// Reports progress and logs far more often than anyone should.
struct ChattyTask: BaseTask {
    static let name = "chatty"
    static let parameters = [ParameterSpec("progress", .int, default: .int(1_000_000)), ParameterSpec("logs", .int, default: .int(20_000))]
    let progressCalls: Int64
    let logLines: Int64
    init(parameters: TaskParameters) throws {
        progressCalls = try parameters.int("progress")
        logLines = try parameters.int("logs")
    }
    func run(context: TaskContext) throws -> EmptyOutput {
        for step in 0..<progressCalls {
            context.progress(completed: step + 1, total: progressCalls)
            if step < logLines { context.log(.debug, "line \(step)") }
            if step % 10_000 == 0 { try context.checkpoint() }
        }
        return EmptyOutput()
    }
}
