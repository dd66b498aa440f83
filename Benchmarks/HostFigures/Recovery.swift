import Foundation
import Logging
import TaskHost

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
            UPDATE tasks SET status = 'running', host_deaths = 0 WHERE seq > \(finished + paused) AND seq <= \(finished + paused + running);
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
    try printFigure(figure)
}

