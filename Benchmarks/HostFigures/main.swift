// taskhost's own figures, printed as JSON. Run in release mode:
//   swift run -c release taskhost-figures recovery [TASKS]
//
// recovery: builds a database of TASKS tasks (90% finished, 5% pending, 4% paused, 1% running
// at the "crash"), then measures opening the store and `TaskManager.start()` (crash recovery
// plus loading the schedulable tasks) five times.
import CSQLite
import Foundation
import Logging
import TaskHost
import TaskKit

struct Figure: Encodable {
    let name: String
    let tasks: Int
    let runs: [Double]
    let medianSeconds: Double
    let machine: String
}

func machineDescription() -> String {
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
    return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)"
}

func run(_ sql: String, on path: String) {
    var connection: OpaquePointer?
    sqlite3_open(path, &connection)
    sqlite3_busy_timeout(connection, 5000)
    let status = sqlite3_exec(connection, sql, nil, nil, nil)
    if status != SQLITE_OK {
        FileHandle.standardError.write(Data("sqlite: \(String(cString: sqlite3_errmsg(connection)))\n".utf8))
        exit(1)
    }
    sqlite3_close(connection)
}

func recovery(tasks count: Int) throws {
    var logger = Logger(label: "figures")
    logger.logLevel = .critical
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("taskhost-figures-\(getpid())")
    defer { try? FileManager.default.removeItem(at: home) }
    let plugins = home.appendingPathComponent("plugins")
    try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let plugin = plugins.appendingPathComponent("libSleepPlugin.so")
    try FileManager.default.copyItem(at: binary.appendingPathComponent("libSleepPlugin.so"), to: plugin)
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: plugin.path)
    let loader = PluginLoader(
        configuration: PluginLoaderConfiguration(pluginsDirectory: plugins, imageCacheDirectory: home.appendingPathComponent("images")),
        logger: logger)
    loader.scan()
    let database = home.appendingPathComponent("taskhost.db").path

    // Fill through the public API, many submitters at once so commits are grouped.
    do {
        let manager = TaskManager(store: try TaskStore(path: database), registry: loader.registry, logger: logger)
        try manager.start()
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            for _ in stride(from: worker, to: count, by: 16) {
                do {
                    _ = try manager.submit(type: "sleep", parameters: [:], options: SubmitOptions(delaySeconds: 86_400))
                } catch {
                    FileHandle.standardError.write(Data("submit failed: \(error)\n".utf8))
                    exit(1)
                }
            }
        }
        manager.shutdown(grace: .seconds(1))
    }
    let finished = count * 90 / 100, paused = count * 4 / 100, running = count / 100
    run("""
        UPDATE tasks SET status = 'finished', finished_at = 1 WHERE seq <= \(finished);
        UPDATE tasks SET status = 'paused' WHERE seq > \(finished) AND seq <= \(finished + paused);
        """, on: database)

    var runs: [Double] = []
    for _ in 0..<5 {
        run("""
            UPDATE tasks SET status = 'running' WHERE seq > \(finished + paused) AND seq <= \(finished + paused + running);
            """, on: database)
        let clock = ContinuousClock()
        let start = clock.now
        let manager = TaskManager(store: try TaskStore(path: database), registry: loader.registry, logger: logger)
        let report = try manager.start()
        let elapsed = clock.now - start
        precondition(report.interrupted == running, "expected \(running) interrupted, got \(report.interrupted)")
        runs.append(Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
        manager.shutdown(grace: .seconds(1))
        run("UPDATE tasks SET status = 'pending' WHERE status = 'pending'", on: database)
    }
    let sorted = runs.sorted()
    let figure = Figure(name: "recovery", tasks: count, runs: runs, medianSeconds: sorted[sorted.count / 2], machine: machineDescription())
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(figure), as: UTF8.self))
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "recovery":
    try recovery(tasks: arguments.dropFirst().first.flatMap { Int($0) } ?? 100_000)
default:
    FileHandle.standardError.write(Data("usage: taskhost-figures recovery [TASKS]\n".utf8))
    exit(2)
}
