import Foundation
import TaskKit

/// Returns a string of `kb` kilobytes: a result too large for the host's limit.
struct BigResultTask: BaseTask {
    static let name = "big-result"
    static let parameters = [ParameterSpec("kb", .int, default: .int(2048))]
    let kilobytes: Int
    init(parameters: TaskParameters) throws { kilobytes = Int(try parameters.int("kb")) }
    func run(context: TaskContext) throws -> String { String(repeating: "x", count: kilobytes * 1024) }
}

/// Logs one line of `kb` kilobytes.
struct LongLineTask: BaseTask {
    static let name = "long-line"
    static let parameters = [ParameterSpec("kb", .int, default: .int(100))]
    let kilobytes: Int
    init(parameters: TaskParameters) throws { kilobytes = Int(try parameters.int("kb")) }
    func run(context: TaskContext) throws -> EmptyOutput {
        context.log(.info, String(repeating: "y", count: kilobytes * 1024))
        return EmptyOutput()
    }
}

/// Kills the whole host (thread mode) after `ms` milliseconds; asks to be requeued after a crash,
/// so without the crash-loop rule every restart would die again.
struct HostCrasherTask: BaseTask {
    static let name = "host-crasher"
    static let parameters = [ParameterSpec("ms", .int, default: .int(300))]
    static let settings = TaskTypeSettings(requeueOnInterrupt: true)
    let milliseconds: Int64
    init(parameters: TaskParameters) throws { milliseconds = try parameters.int("ms") }
    func run(context: TaskContext) throws -> EmptyOutput {
        Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
        fatalError("host-crasher: crashing the host on purpose")
    }
}

/// Attempt 1 saves `{"count": 5}` and fails; attempt 2 reads its state as a shape it no longer
/// has (a plugin upgrade that changed its state type) and so starts fresh.
struct StateShiftTask: BaseTask {
    static let name = "state-shift"
    static let settings = TaskTypeSettings(retries: 1, backoff: Backoff(baseSeconds: 0, factor: 1, capSeconds: 0))
    struct OldState: Codable { let count: Int }
    struct NewState: Codable { let cursor: String }
    struct Output: Encodable, Sendable { let startedFresh: Bool }
    init(parameters: TaskParameters) throws {}
    func run(context: TaskContext) throws -> Output {
        if context.attempt == 1 {
            try context.saveState(OldState(count: 5))
            try context.checkpoint()
            Thread.sleep(forTimeInterval: 0.3)
            throw TaskError("first attempt fails after saving its state")
        }
        return Output(startedFresh: context.savedState(as: NewState.self) == nil)
    }
}

/// Catches the stop its checkpoint throws and returns normally (or throws its own error with
/// `fail=true`): a task the user stopped must still end stopped.
struct StopSwallowerTask: BaseTask {
    static let name = "stop-swallower"
    static let parameters = [ParameterSpec("fail", .bool, default: .bool(false))]
    struct Output: Encodable, Sendable { let swallowed: Bool }
    let fails: Bool
    init(parameters: TaskParameters) throws { fails = try parameters.bool("fail") }
    func run(context: TaskContext) throws -> Output {
        for _ in 0..<6000 {
            do {
                try context.checkpoint()
            } catch is TaskStopped {
                if fails { throw TaskError("cleanup after the stop went wrong") }
                return Output(swallowed: true)
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return Output(swallowed: false)
    }
}
