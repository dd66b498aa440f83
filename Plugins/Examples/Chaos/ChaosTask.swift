import Foundation
import TaskKit

/// Misbehaves as asked: `fatal` calls fatalError, `segv` writes through a bad pointer, `leak`
/// allocates and touches `mb` MB, `spin` busy-loops without checkpoints, `hang` blocks in a read
/// that never returns, `ok` counts `seconds` with checkpoints and returns.
struct ChaosTask: BaseTask {
    static let name = "chaos"
    static let summary = "Misbehave on purpose (fatal, segv, leak, spin, hang) or behave (ok), to try isolation and limits"
    /// Runs in a worker unless a submit says --isolation thread: its crashes must not take the host down.
    static let settings = TaskTypeSettings(prefersProcessIsolation: true)
    static let parameters = [
        ParameterSpec("mode", .choice(["fatal", "segv", "leak", "spin", "hang", "ok"]), default: .string("ok"), help: "what to do"),
        ParameterSpec("mb", .int, default: .int(1024), help: "leak: megabytes to allocate and touch"),
        ParameterSpec("seconds", .double, default: .double(30), help: "spin and ok: how long"),
    ]

    struct Output: Encodable, Sendable {
        let mode: String
    }

    let mode: String
    let megabytes: Int
    let seconds: Double

    init(parameters: TaskParameters) throws {
        mode = try parameters.string("mode")
        megabytes = Int(try parameters.int("mb"))
        seconds = try parameters.double("seconds")
        guard (1...65_536).contains(megabytes) else { throw TaskError("mb must be 1...65536") }
        guard seconds.isFinite, seconds >= 0, seconds <= 86_400 else { throw TaskError("seconds must be 0...86400") }
    }

    func run(context: TaskContext) throws -> Output {
        context.log(.info, "chaos: \(mode)")
        switch mode {
        case "fatal":
            fatalError("chaos: fatalError on purpose")
        case "segv":
            let pointer = UnsafeMutablePointer<Int>(bitPattern: 0x8)
            pointer?.pointee = 1
        case "leak":
            var kept: [[UInt8]] = []
            for index in 0..<megabytes {
                kept.append([UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 1 << 20))
                context.progress(completed: Int64(index + 1), total: Int64(megabytes))
            }
            context.log(.info, "chaos: holding \(kept.count) MB")
        case "spin":
            let end = Date().addingTimeInterval(seconds)
            var counter: UInt64 = 0
            while Date() < end { counter &+= 1 }
            context.log(.debug, "chaos: spun \(counter) times")
        case "hang":
            var descriptors: [Int32] = [0, 0]
            _ = pipe(&descriptors)
            var byte: UInt8 = 0
            _ = read(descriptors[0], &byte, 1)  // nobody ever writes: blocks forever
        default:
            let steps = Int64(max(1, seconds * 10))
            for step in 0..<steps {
                try context.checkpoint()
                context.progress(completed: step + 1, total: steps)
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        return Output(mode: mode)
    }
}
