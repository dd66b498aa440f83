import Foundation
import TaskHost

struct PausedMemoryFigure: Encodable {
    let name = "paused-rss"
    let tasks: Int
    let idleRssKb: Int
    let pausedRssKb: Int
    let perPausedTaskKb: Double
    let machine: String
}

/// RSS with N tasks paused at a checkpoint (each keeps its thread, blocked without CPU).
func pausedMemory(tasks count: Int) throws {
    let scratch = try Scratch(label: "paused")
    defer { scratch.remove() }
    scratch.loader.scan()
    let manager = TaskManager(
        store: try TaskStore(path: scratch.database), registry: scratch.loader.registry,
        configuration: TaskManagerConfiguration(maxRunning: count), logger: scratch.logger)
    try manager.start()
    defer { manager.shutdown(grace: .seconds(5)) }
    Thread.sleep(forTimeInterval: 0.3)
    let idle = residentKilobytes()
    var ids: [String] = []
    for _ in 0..<count {
        ids.append(try manager.submit(type: "sleep", parameters: ["seconds": .double(3600), "steps-per-second": .int(20)]))
    }
    try waitFor(manager, ids, .running)
    for id in ids { try manager.pause(id) }
    try waitFor(manager, ids, .paused)
    Thread.sleep(forTimeInterval: 0.5)
    let paused = residentKilobytes()
    try printFigure(
        PausedMemoryFigure(
            tasks: count, idleRssKb: idle, pausedRssKb: paused, perPausedTaskKb: Double(paused - idle) / Double(count),
            machine: machineDescription()))
    for id in ids { _ = try? manager.stop(id) }
}

func waitFor(_ manager: TaskManager, _ ids: [String], _ status: TaskStatus) throws {
    let deadline = Date().addingTimeInterval(120)
    for id in ids {
        while try manager.task(id).status != status {
            guard Date() < deadline else { throw FigureError("task \(id) did not become \(status)") }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}
