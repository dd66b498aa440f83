import Foundation
import TaskHost

struct PauseLatencyFigure: Encodable {
    let name = "pause-latency"
    let checkpointEveryMs = 1.0
    let rounds: Int
    let pauseToPausedMs: Percentiles
    let resumeToRunningMs: Percentiles
    let machine: String
}

/// pause() called → the task reported paused (durably), and resume() called → running again,
/// for a task that checkpoints every millisecond.
func pauseLatency(rounds: Int) throws {
    let scratch = try Scratch(label: "pause")
    defer { scratch.remove() }
    scratch.loader.scan()
    let manager = TaskManager(store: try TaskStore(path: scratch.database), registry: scratch.loader.registry, logger: scratch.logger)
    try manager.start()
    defer { manager.shutdown(grace: .seconds(2)) }
    // Subscribe first: a task that can start at once reports running before submit returns.
    let events = manager.subscribe()
    let id = try manager.submit(type: "sleep", parameters: ["seconds": .double(3600), "steps-per-second": .int(1000)])
    let changes = StatusSignal(id: id, events: events)
    try changes.wait(for: .running)

    var pauses: [Double] = []
    var resumes: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<rounds {
        Thread.sleep(forTimeInterval: 0.02)
        var start = clock.now
        try manager.pause(id)
        try changes.wait(for: .paused)
        pauses.append(seconds(clock.now - start) * 1000)
        start = clock.now
        try manager.resume(id)
        try changes.wait(for: .running)
        resumes.append(seconds(clock.now - start) * 1000)
    }
    try printFigure(
        PauseLatencyFigure(rounds: rounds, pauseToPausedMs: Percentiles(pauses), resumeToRunningMs: Percentiles(resumes), machine: machineDescription()))
}

/// Lets a thread wait for a task's next status event.
final class StatusSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var seen: [TaskStatus] = []

    init(id: String, events: AsyncStream<TaskEvent>) {
        Task.detached { [self] in
            for await event in events {
                guard case .status(let taskID, let status, _) = event, taskID == id else { continue }
                record(status)
            }
        }
    }

    private func record(_ status: TaskStatus) {
        condition.lock()
        seen.append(status)
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until `status` is reported (consuming the events before it); throws after `timeout` seconds.
    func wait(for status: TaskStatus, timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let index = seen.firstIndex(of: status) {
                seen.removeFirst(index + 1)
                return
            }
            guard condition.wait(until: deadline) else {
                throw FigureError("no '\(status)' event within \(Int(timeout)) s (seen: \(seen))")
            }
        }
    }
}
