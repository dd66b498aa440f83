import Foundation
import TaskHost

struct ShellFigure: Encodable {
    let name = "shell"
    /// Submit → finished of `exec -- true`, one at a time, milliseconds (a thread no-op beside it).
    let trueStartToFinishMs: Percentiles
    let threadNoopStartToFinishMs: Percentiles
    /// What running `true` costs on its own here (posix_spawn + wait, no host), milliseconds.
    let bareTrueMs: Percentiles
    /// `seq 1 N`: lines read from the pipe and logged per second, and the lines the store kept (its cap per task).
    let outputLines: Int
    let outputLinesPerSecond: Double
    let outputLinesStored: Int
    let machine: String
}

/// `taskhost-figures shell [N]`: a command's start overhead, and output throughput with N lines.
func shellCommands(lines: Int) throws {
    let scratch = try Scratch(label: "shell", plugins: ["BenchPlugin"])
    defer { scratch.remove() }
    scratch.loader.scan()
    scratch.loader.registry.registerBuiltIn(ShellTask.self)
    let manager = TaskManager(store: try TaskStore(path: scratch.database), registry: scratch.loader.registry, logger: scratch.logger)
    try manager.start()
    defer { manager.shutdown(grace: .seconds(5)) }

    func startToFinish(_ type: String, _ parameters: [String: ParameterValue], rounds: Int) throws -> [Double] {
        var times: [Double] = []
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            let id = try manager.submit(type: type, parameters: parameters)
            let record = try manager.waitUntilFinished(id, timeout: .seconds(30))
            guard record.status == .finished else { throw FigureError("\(type) ended \(record.status): \(record.error?.message ?? "")") }
            times.append(seconds(ContinuousClock.now - start) * 1000)
        }
        return times
    }
    let trueCommand: [String: ParameterValue] = ["argv": .string(#"["true"]"#), "cwd": .string("/")]
    _ = try startToFinish("shell", trueCommand, rounds: 5)
    let shell = try startToFinish("shell", trueCommand, rounds: 300)
    let thread = try startToFinish("noop", ["i": .int(0)], rounds: 300)
    var bare: [Double] = []
    for _ in 0..<300 {
        let start = ContinuousClock.now
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("true"), nil]
        defer { free(argv[0]) }
        guard posix_spawn(&pid, "/bin/true", nil, nil, argv, nil) == 0 else { throw FigureError("posix_spawn /bin/true failed") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        bare.append(seconds(ContinuousClock.now - start) * 1000)
    }

    let started = ContinuousClock.now
    let id = try manager.submit(type: "shell", parameters: ["argv": .string(#"["seq","1","\#(lines)"]"#), "cwd": .string("/")])
    let record = try manager.waitUntilFinished(id, timeout: .seconds(600))
    guard record.status == .finished else { throw FigureError("seq ended \(record.status): \(record.error?.message ?? "")") }
    let elapsed = seconds(ContinuousClock.now - started)
    let stored = try manager.store.logs(id, after: 0, limit: 1_000_000).count

    try printFigure(
        ShellFigure(
            trueStartToFinishMs: Percentiles(shell), threadNoopStartToFinishMs: Percentiles(thread), bareTrueMs: Percentiles(bare),
            outputLines: lines, outputLinesPerSecond: Double(lines) / elapsed, outputLinesStored: stored, machine: machineDescription()))
}
