import Foundation
import Synchronization
import TaskHost

struct ScheduleFigure: Encodable {
    let name = "schedules"
    /// Schedules firing every second, all on the same second boundary (the worst case: one batch).
    let schedules: Int
    let seconds: Int
    /// Scheduled time → the task is committed and announced, milliseconds.
    let latenessMs: Percentiles
    let tasks: Int
    let duplicates: Int
    let misses: Int
    let machine: String
}

struct ScheduleKillFigure: Encodable {
    let name = "schedule-kills"
    /// SIGKILLs of a real host running a 1 s schedule (catch-up all), at random moments.
    let kills: Int
    let tasks: Int
    let duplicates: Int
    let misses: Int
    let machine: String
}

/// `taskhost-figures schedules [N]`: N schedules every second for a while; lateness, duplicates, misses.
func scheduleLateness(schedules count: Int, seconds duration: Int) throws {
    let scratch = try Scratch(label: "schedules", plugins: ["BenchPlugin"])
    defer { scratch.remove() }
    scratch.loader.scan()
    let manager = TaskManager(
        store: try TaskStore(path: scratch.database), registry: scratch.loader.registry,
        configuration: TaskManagerConfiguration(maxRunning: 4), logger: scratch.logger)
    try manager.start()
    defer { manager.shutdown(grace: .seconds(5)) }
    let announced = Mutex<[String: Date]>([:])
    manager.observeEvents { event in
        if case .status(let id, .pending, 0) = event { announced.withLock { $0[id] = Date() } }
    }
    var ids: [String] = []
    for index in 0..<count {
        ids.append(try manager.addSchedule(ScheduleRequest(type: "noop", parameters: ["i": .int(Int64(index))], everySeconds: 1, overlap: .allow)).id)
    }
    let start = Date()
    Thread.sleep(forTimeInterval: Double(duration))
    for id in ids { _ = try manager.pauseSchedule(id) }
    var lateness: [Double] = []
    var duplicates = 0, misses = 0, tasks = 0
    let seen = announced.withLock { $0 }
    for id in ids {
        var filter = TaskFilter(limit: 10_000)
        filter.schedule = id
        let page = try manager.store.list(filter)
        tasks += page.tasks.count
        let times = page.tasks.compactMap(\.scheduledFor).map(\.timeIntervalSince1970).sorted()
        duplicates += times.count - Set(times).count
        if let first = times.first, let last = times.last { misses += Int(last - first) + 1 - Set(times).count }
        for task in page.tasks {
            guard let scheduled = task.scheduledFor, let at = seen[task.id], scheduled > start else { continue }
            lateness.append(at.timeIntervalSince(scheduled) * 1000)
        }
    }
    try printFigure(
        ScheduleFigure(
            schedules: count, seconds: duration, latenessMs: Percentiles(lateness), tasks: tasks, duplicates: duplicates, misses: misses,
            machine: machineDescription()))
}

/// `taskhost-figures schedule-kills [N]`: a real host with a 1 s schedule SIGKILLed N times.
func scheduleKills(kills: Int) throws {
    let scratch = try Scratch(label: "schedule-kills", plugins: ["BenchPlugin"])
    defer { scratch.remove() }
    let taskhost = buildDirectory.appendingPathComponent("taskhost").path
    func startHost() throws -> Process {
        let daemon = try startDaemon(scratch)
        let deadline = Date().addingTimeInterval(30)
        while (try? cli(taskhost, ["schedule", "list", "--home", scratch.home.path])) == nil {
            guard Date() < deadline else {
                kill(daemon.processIdentifier, SIGKILL)
                daemon.waitUntilExit()
                throw FigureError("the host did not start")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return daemon
    }
    var daemon = try startHost()
    // Whichever host runs when this ends (a failed step included) goes with it.
    defer {
        if daemon.isRunning {
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
        }
    }
    let added = try cli(taskhost, ["schedule", "add", "noop", "-p", "i=0", "--every", "1s", "--catch-up", "all", "--overlap", "allow", "--home", scratch.home.path])
    let schedule = added.trimmingCharacters(in: .whitespacesAndNewlines)
    for round in 0..<kills {
        Thread.sleep(forTimeInterval: Double.random(in: 0.05...1.5))
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        if round.isMultiple(of: 3) { Thread.sleep(forTimeInterval: Double.random(in: 0...2)) }
        daemon = try startHost()
    }
    Thread.sleep(forTimeInterval: 1.5)
    _ = try cli(taskhost, ["schedule", "pause", schedule, "--home", scratch.home.path])
    daemon.terminate()
    daemon.waitUntilExit()
    let store = try TaskStore(readOnlyPath: scratch.database)
    var filter = TaskFilter(limit: 10_000)
    filter.schedule = schedule
    let times = try store.list(filter).tasks.compactMap(\.scheduledFor).map(\.timeIntervalSince1970).sorted()
    let distinct = Set(times).count
    let expected = times.first.flatMap { first in times.last.map { Int($0 - first) + 1 } } ?? 0
    try printFigure(
        ScheduleKillFigure(kills: kills, tasks: times.count, duplicates: times.count - distinct, misses: expected - distinct, machine: machineDescription()))
}

/// Runs the CLI; its standard output, or throws if it failed.
private func cli(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = output
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let problem = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw FigureError("taskhost \(arguments.prefix(2).joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: problem, as: UTF8.self))")
    }
    return String(decoding: data, as: UTF8.self)
}
