import Foundation
import TaskHost

struct BatchFigure: Encodable {
    let name = "batch-submit"
    /// Tasks per batch (one transaction each) and batches.
    let batchSize: Int
    let batches: Int
    /// In the process: `TaskManager.submit(batch:)`, tasks stored per second.
    let inProcessTasksPerSecond: Double
    /// Through the API: `taskhost start --from-file` against a running host (JSON, the Unix socket, 10,000 per request).
    let cliFromFileTasksPerSecond: Double
    let machine: String
}

/// `taskhost-figures batch [N]`: N tasks submitted 10,000 at a time, in the process and through the CLI.
func batchSubmit(tasks count: Int) throws {
    let size = 10_000
    let scratch = try Scratch(label: "batch", plugins: ["BenchPlugin"])
    defer { scratch.remove() }
    scratch.loader.scan()
    let request = SubmitRequest(type: "noop", parameters: ["i": .int(0)], options: SubmitOptions(delaySeconds: 86_400))
    let inProcess: Double
    do {
        let manager = TaskManager(store: try TaskStore(path: scratch.database), registry: scratch.loader.registry, logger: scratch.logger)
        try manager.start()
        let started = ContinuousClock.now
        for _ in 0..<max(1, count / size) { _ = try manager.submit(batch: Array(repeating: request, count: size)) }
        inProcess = Double(max(1, count / size) * size) / seconds(ContinuousClock.now - started)
        manager.shutdown(grace: .seconds(1))
    }
    let taskhost = buildDirectory.appendingPathComponent("taskhost").path
    let file = scratch.home.appendingPathComponent("tasks.jsonl")
    let line = #"{"type":"noop","parameters":{"i":0},"options":{"delaySeconds":86400}}"#
    try (Array(repeating: line, count: count).joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
    let daemon = try startDaemon(scratch)
    defer {
        daemon.terminate()
        daemon.waitUntilExit()
    }
    Thread.sleep(forTimeInterval: 0.3)
    let client = Process()
    client.executableURL = URL(fileURLWithPath: taskhost)
    client.arguments = ["start", "--from-file", file.path, "--home", scratch.home.path]
    client.standardOutput = FileHandle.nullDevice
    client.standardError = FileHandle.nullDevice
    let started = ContinuousClock.now
    try client.run()
    client.waitUntilExit()
    guard client.terminationStatus == 0 else { throw FigureError("start --from-file exited \(client.terminationStatus)") }
    let cli = Double(count) / seconds(ContinuousClock.now - started)
    try printFigure(
        BatchFigure(batchSize: size, batches: max(1, count / size), inProcessTasksPerSecond: inProcess, cliFromFileTasksPerSecond: cli, machine: machineDescription()))
}
