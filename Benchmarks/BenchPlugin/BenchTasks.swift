import Foundation
import TaskKit

/// CLOCK_MONOTONIC in nanoseconds: the clock every peer and the controller share.
func monotonicNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

/// The harness's "ran log": fixed-width records appended with one write() each (no fsync).
final class RanLog: Sendable {
    private let descriptor: Int32

    init() {
        let path = ProcessInfo.processInfo.environment["PEERS_RANLOG"] ?? "/dev/null"
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    }

    /// `b"%c%011d%018d%018d\n" % (kind, i, a, b)`
    func write(_ kind: Character, _ number: Int64, _ first: Int64, _ second: Int64) {
        let line = "\(kind)\(Self.pad(number, 11))\(Self.pad(first, 18))\(Self.pad(second, 18))\n"
        var bytes = Array(line.utf8)
        _ = Foundation.write(descriptor, &bytes, bytes.count)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

let ranLog = RanLog()

/// `noop(i)`: appends one E record.
struct NoopTask: BaseTask {
    static let name = "noop"
    static let summary = "Benchmark no-op: appends one record to $PEERS_RANLOG"
    static let parameters = [ParameterSpec("i", .int, required: true, help: "task number")]
    let number: Int64
    init(parameters: TaskParameters) throws { number = try parameters.int("i") }
    func run(context: TaskContext) throws -> EmptyOutput {
        let entered = monotonicNanoseconds()
        ranLog.write("E", number, entered, monotonicNanoseconds())
        return EmptyOutput()
    }
}

/// `noopr(i)`: the no-op returning a value (kept as the task's result).
struct NoopResultTask: BaseTask {
    static let name = "noopr"
    static let summary = "Benchmark no-op returning true"
    static let parameters = [ParameterSpec("i", .int, required: true, help: "task number")]
    let number: Int64
    init(parameters: TaskParameters) throws { number = try parameters.int("i") }
    func run(context: TaskContext) throws -> Bool {
        let entered = monotonicNanoseconds()
        ranLog.write("E", number, entered, monotonicNanoseconds())
        return true
    }
}

/// `sleep(i, secs, release)`: blocks its worker for `secs`, or until the file `release` exists.
struct BenchSleepTask: BaseTask {
    static let name = "sleep"
    static let summary = "Benchmark sleeper: S record, block, E record"
    static let parameters = [
        ParameterSpec("i", .int, required: true, help: "task number"),
        ParameterSpec("secs", .double, default: .double(1), help: "how long to block at most"),
        ParameterSpec("release", .string, default: .string(""), help: "stop blocking once this file exists"),
    ]
    let number: Int64
    let seconds: Double
    let release: String

    init(parameters: TaskParameters) throws {
        number = try parameters.int("i")
        seconds = try parameters.double("secs")
        release = try parameters.string("release")
    }

    func run(context: TaskContext) throws -> EmptyOutput {
        let entered = monotonicNanoseconds()
        ranLog.write("S", number, entered, 0)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && (release.isEmpty || !FileManager.default.fileExists(atPath: release)) {
            try context.checkpoint()
            Thread.sleep(forTimeInterval: min(0.05, max(0, deadline.timeIntervalSinceNow)))
        }
        ranLog.write("E", number, entered, monotonicNanoseconds())
        return EmptyOutput()
    }
}

/// The plugin's entry point.
@_cdecl("taskhost_plugin_v1")
public func taskhostPlugin() -> UnsafeRawPointer {
    TaskPlugin.describe(name: "bench", version: "1.0.0", types: [NoopTask.self, NoopResultTask.self, BenchSleepTask.self])
}
