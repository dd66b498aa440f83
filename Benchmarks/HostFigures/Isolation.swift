import Foundation
import TaskHost

struct IsolationFigure: Encodable {
    let name = "isolation"
    /// Submit → finished of a no-op task, one at a time, milliseconds.
    let threadStartToFinishMs: Percentiles
    let processStartToFinishMs: Percentiles
    /// Pause → paused of a task spinning without checkpoints (frozen), milliseconds.
    let spinPauseMs: Percentiles
    let processTasks: Int
    let processTasksPerSecond: Double
    let pausedTasks: Int
    let threadRssPerPausedTaskKb: Double
    let processRssPerPausedTaskKb: Double
    let machine: String
}

/// `taskhost-figures isolation [N]`: what a worker process costs next to a thread.
func isolation(tasks count: Int) throws {
    let scratch = try Scratch(label: "isolation", plugins: ["BenchPlugin", "ChaosPlugin", "SleepPlugin"])
    defer { scratch.remove() }
    scratch.loader.scan()
    let executable = buildDirectory.appendingPathComponent("taskhost").path
    let manager = TaskManager(
        store: try TaskStore(path: scratch.database), registry: scratch.loader.registry,
        configuration: TaskManagerConfiguration(maxRunning: 4, workerExecutable: executable), logger: scratch.logger)
    try manager.start()
    defer { manager.shutdown(grace: .seconds(5)) }

    func startToFinish(_ isolation: TaskIsolation, rounds: Int) throws -> [Double] {
        var times: [Double] = []
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            let id = try manager.submit(type: "noop", parameters: ["i": .int(0)], options: SubmitOptions(isolation: isolation))
            let record = try manager.waitUntilFinished(id, timeout: .seconds(30))
            guard record.status == .finished else { throw FigureError("\(isolation) no-op ended \(record.status): \(record.error?.message ?? "")") }
            times.append(seconds(ContinuousClock.now - start) * 1000)
        }
        return times
    }
    _ = try startToFinish(.process, rounds: 5)  // warm the pool and the page cache
    let thread = try startToFinish(.thread, rounds: 200)
    let process = try startToFinish(.process, rounds: 200)

    var pauses: [Double] = []
    let spin = try manager.submit(type: "chaos", parameters: ["mode": .string("spin"), "seconds": .double(600)], options: SubmitOptions(isolation: .process))
    try waitFor(manager, [spin], .running)
    for _ in 0..<20 {
        let start = ContinuousClock.now
        try manager.pause(spin)
        try waitFor(manager, [spin], .paused)
        pauses.append(seconds(ContinuousClock.now - start) * 1000)
        try manager.resume(spin)
        try waitFor(manager, [spin], .running)
        Thread.sleep(forTimeInterval: 0.05)
    }
    try manager.stop(spin)

    let many = Date()
    var ids: [String] = []
    for _ in 0..<count { ids.append(try manager.submit(type: "noop", parameters: ["i": .int(0)], options: SubmitOptions(isolation: .process))) }
    try waitFor(manager, ids, .finished)
    let rate = Double(count) / Date().timeIntervalSince(many)

    func pausedRss(_ isolation: TaskIsolation, tasks: Int) throws -> Double {
        let before = residentKilobytes() + workersRss()
        var paused: [String] = []
        for _ in 0..<tasks {
            let id = try manager.submit(
                type: "chaos", parameters: ["mode": .string("ok"), "seconds": .double(3600)], options: SubmitOptions(isolation: isolation))
            try waitFor(manager, [id], .running)
            try manager.pause(id)
            try waitFor(manager, [id], .paused)
            paused.append(id)
        }
        Thread.sleep(forTimeInterval: 0.5)
        let after = residentKilobytes() + workersRss()
        for id in paused { _ = try? manager.stop(id) }
        try waitFor(manager, paused, .stopped)
        return Double(after - before) / Double(tasks)
    }
    let threadRss = try pausedRss(.thread, tasks: 20)
    let processRss = try pausedRss(.process, tasks: 20)

    try printFigure(
        IsolationFigure(
            threadStartToFinishMs: Percentiles(thread), processStartToFinishMs: Percentiles(process), spinPauseMs: Percentiles(pauses),
            processTasks: count, processTasksPerSecond: rate, pausedTasks: 20, threadRssPerPausedTaskKb: threadRss,
            processRssPerPausedTaskKb: processRss, machine: machineDescription()))
}

/// RSS of this process's worker children (the idle pool included), kB.
func workersRss() -> Int {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
    let me = getpid()
    var total = 0
    for entry in entries {
        guard let pid = Int32(entry), let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { continue }
        let lines = status.split(separator: "\n")
        guard lines.contains(where: { $0.hasPrefix("PPid:") && $0.hasSuffix("\t\(me)") }) else { continue }
        if let rss = lines.first(where: { $0.hasPrefix("VmRSS:") }).flatMap({ Int($0.split(separator: " ").dropFirst().first ?? "") }) {
            total += rss
        }
    }
    return total
}
