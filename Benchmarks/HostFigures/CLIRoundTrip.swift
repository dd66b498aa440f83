import Foundation
import TaskHost

struct CLIRoundTripFigure: Encodable {
    let name = "cli-round-trip"
    let tasksInDatabase: Int
    let startMs: Percentiles
    let listMs: Percentiles
    let machine: String
}

/// Wall time of the real `taskhost start` and `taskhost list` processes against a running daemon
/// whose database holds `tasks` tasks.
func cliRoundTrip(tasks count: Int) throws {
    let scratch = try Scratch(label: "cli")
    defer { scratch.remove() }
    scratch.loader.scan()
    do {
        let manager = TaskManager(store: try TaskStore(path: scratch.database), registry: scratch.loader.registry, logger: scratch.logger)
        try manager.start()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for _ in stride(from: worker, to: count, by: 8) {
                _ = try? manager.submit(type: "sleep", parameters: [:], options: SubmitOptions(delaySeconds: 86_400))
            }
        }
        manager.shutdown(grace: .seconds(1))
    }
    let taskhost = buildDirectory.appendingPathComponent("taskhost").path
    let daemon = try startDaemon(scratch)
    defer {
        daemon.terminate()
        daemon.waitUntilExit()
    }
    let deadline = Date().addingTimeInterval(30)
    while (try? run(taskhost, ["list", "--limit", "1", "--home", scratch.home.path])) == nil {
        guard Date() < deadline else { throw FigureError("the daemon did not start") }
        Thread.sleep(forTimeInterval: 0.05)
    }
    var starts: [Double] = []
    var lists: [Double] = []
    for _ in 0..<20 {
        starts.append(try run(taskhost, ["start", "sleep", "-p", "seconds=0", "--home", scratch.home.path]))
        lists.append(try run(taskhost, ["list", "--home", scratch.home.path]))
    }
    try printFigure(CLIRoundTripFigure(tasksInDatabase: count, startMs: Percentiles(starts), listMs: Percentiles(lists), machine: machineDescription()))
}

/// Runs a process to completion; returns its wall time in ms, or throws if it failed.
private func run(_ executable: String, _ arguments: [String]) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let start = ContinuousClock.now
    try process.run()
    process.waitUntilExit()
    let elapsed = seconds(ContinuousClock.now - start) * 1000
    guard process.terminationStatus == 0 else { throw FigureError("\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)") }
    return elapsed
}
