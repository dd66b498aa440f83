import Foundation
import Logging
import TaskHost
import TaskKit
import Testing

/// A real child host process killed with SIGKILL mid-run, then the same home opened again.
@Suite("Crash recovery and durability")
struct CrashRecoveryTests {
    func manager(home: URL, plugins: URL) throws -> TaskManager {
        var logger = Logger(label: "test.recovery")
        logger.logLevel = .critical
        let loader = PluginLoader(
            configuration: PluginLoaderConfiguration(pluginsDirectory: plugins, imageCacheDirectory: home.appendingPathComponent("plugin-images")),
            logger: logger)
        loader.scan()
        return TaskManager(store: try TaskStore(path: home.appendingPathComponent("taskhost.db").path), registry: loader.registry, logger: logger)
    }

    @Test("running → interrupted, requeued → pending and continues from saved state, paused stays paused")
    func recoveryAfterSIGKILL() throws {
        let files = try LoaderFixture()
        try files.add("Sleep")
        try files.add("TestTasksFixture")
        let child = try ChildHost(home: files.home, plugins: files.plugins)
        #expect(try child.nextLine().hasPrefix("ready"))
        let interrupted = try child.submit("sleep seconds=30 steps-per-second=100")
        let requeued = try child.submit("sleep seconds=3 steps-per-second=100 +requeue")
        let paused = try child.submit("sleep seconds=3 steps-per-second=100")
        let queued = try child.submit("probe ms=1")
        for id in [interrupted, requeued, paused] { try child.waitUntil(id) { $0 == "running" && $1 >= 30 } }
        #expect(try child.ask("pause \(paused)").hasPrefix("ok"))
        try child.waitUntil(paused) { status, _ in status == "paused" }
        // Saved state is flushed at least every 200 ms: let it land, then kill mid-run.
        Thread.sleep(forTimeInterval: 0.5)
        child.kill()
        #expect(child.process.terminationReason == .uncaughtSignal)

        let manager = try manager(home: files.home, plugins: files.plugins)
        defer { manager.shutdown() }
        let report = try manager.start()
        #expect(report.interrupted == 1)
        #expect(report.requeued == 1)
        #expect(report.paused == 1)

        let cut = try manager.task(interrupted)
        #expect(cut.status == .interrupted)
        #expect(cut.error?.message.contains("interrupted") == true)
        #expect(try manager.store.attempts(interrupted).map(\.outcome) == ["interrupted"])

        struct SleepResult: Decodable { let steps: Int; let resumedFromStep: Int }
        let again = try manager.waitUntilFinished(requeued, timeout: .seconds(20))
        #expect(again.status == .finished)
        #expect(again.attempt == 2)
        let result = try JSONDecoder().decode(SleepResult.self, from: Data((again.result ?? "{}").utf8))
        #expect(result.resumedFromStep >= 30, "requeued task restarted from step \(result.resumedFromStep)")

        #expect(try manager.task(paused).status == .paused)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try manager.task(paused).status == .paused)
        try manager.resume(paused)
        let resumed = try manager.waitUntilFinished(paused, timeout: .seconds(20))
        let pausedResult = try JSONDecoder().decode(SleepResult.self, from: Data((resumed.result ?? "{}").utf8))
        #expect(pausedResult.resumedFromStep >= 30)
        #expect(try manager.waitUntilFinished(queued, timeout: .seconds(20)).status == .finished)

        // An interrupted task can be resumed from its saved state, or restarted from the start.
        try manager.resume(interrupted)
        _ = try manager.waitUntilFinished(interrupted, timeout: .milliseconds(300))
        let resumedInterrupted = try manager.task(interrupted)
        #expect(resumedInterrupted.status == .running || resumedInterrupted.status == .pending)
        #expect((resumedInterrupted.progress?.completed ?? 0) >= 30)
        try manager.stop(interrupted)
    }

    @Test("every acknowledged submit survives a SIGKILL at a random moment (5 trials)")
    func durability() throws {
        for trial in 1...5 {
            let files = try LoaderFixture()
            try files.add("TestTasksFixture")
            let child = try ChildHost(home: files.home, plugins: files.plugins, workers: 2)
            #expect(try child.nextLine().hasPrefix("ready"))
            // Submit as fast as the host acknowledges; kill at a random moment.
            let killAfter = Double.random(in: 0.05...0.4)
            Thread {
                Thread.sleep(forTimeInterval: killAfter)
                Foundation.kill(child.process.processIdentifier, SIGKILL)
            }.start()
            var sent = 0
            while child.process.isRunning && sent < 20_000 {
                guard child.send("submit probe ms=0") else { break }
                sent += 1
                if sent % 50 == 0 { Thread.sleep(forTimeInterval: 0.001) }
            }
            child.process.waitUntilExit()
            Thread.sleep(forTimeInterval: 0.1)
            let acknowledged = child.lines(startingWith: "ack ").map { String($0.dropFirst(4)) }
            #expect(acknowledged.count >= 10, "trial \(trial): only \(acknowledged.count) submits acknowledged before the kill")

            let store = try TaskStore(readOnlyPath: files.home.appendingPathComponent("taskhost.db").path)
            var missing = 0
            for id in acknowledged where (try? store.record(id)) == nil { missing += 1 }
            #expect(missing == 0, "trial \(trial): \(missing) of \(acknowledged.count) acknowledged tasks lost")
        }
    }
}
