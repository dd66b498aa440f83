import Foundation
import Logging
import TaskHost
import TaskKit
import Testing

@Suite("Scheduling: limits, priorities, delays, idempotency, missing plugins")
struct SchedulingTests {
    struct ProbeResult: Decodable { let concurrent: Int }

    @Test("200 concurrent submits never exceed the global limit (4) or the type's limit (2)")
    func concurrencyLimits() throws {
        let fixture = try ManagerFixture(maxRunning: 4)
        let ids = LockedBox<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 200) { index in
            let type = index % 4 == 0 ? "limited-probe" : "probe"
            do { let id = try fixture.submit(type, ["ms": "3"]); ids.update { $0.append(id) } } catch { Issue.record("submit failed: \(error)") }
        }
        #expect(ids.get().count == 200)
        // Sample the store's view while they run, too.
        var peakRunning = 0
        _ = fixture.eventually(.seconds(60)) {
            let counts = (try? fixture.store.countsByStatus()) ?? [:]
            peakRunning = max(peakRunning, counts[.running] ?? 0)
            return (counts[.finished] ?? 0) == 200
        }
        var peakAll = 0
        var peakLimited = 0
        for id in ids.get() {
            let record = try fixture.record(id)
            #expect(record.status == .finished)
            let result = try JSONDecoder().decode(ProbeResult.self, from: Data((record.result ?? "{}").utf8))
            if record.type == "limited-probe" { peakLimited = max(peakLimited, result.concurrent) } else { peakAll = max(peakAll, result.concurrent) }
        }
        #expect(peakAll <= 4 && peakAll >= 2, "probe tasks saw up to \(peakAll) running")
        #expect(peakLimited <= 2 && peakLimited >= 1, "limited-probe tasks saw up to \(peakLimited) running")
        #expect(peakRunning <= 4)
    }

    @Test("higher priority first, FIFO within a priority")
    func priorityOrder() throws {
        let fixture = try ManagerFixture(maxRunning: 1)
        let blocker = try fixture.submit("sleep", ["seconds": "5", "steps-per-second": "100"])
        _ = try fixture.waitFor(blocker, .running)
        let priorities = [0, 5, 1, 5, 0, 3]
        var ids: [String] = []
        for priority in priorities { ids.append(try fixture.submit("probe", ["ms": "1"], SubmitOptions(priority: priority))) }
        try fixture.manager.stop(blocker)
        for id in ids { _ = try fixture.manager.waitUntilFinished(id, timeout: .seconds(10)) }
        let order = try ids.sorted { try fixture.record($0).startedAt ?? .distantFuture < fixture.record($1).startedAt ?? .distantFuture }
        #expect(order == [ids[1], ids[3], ids[5], ids[2], ids[0], ids[4]])
    }

    @Test("a delayed task does not start before its time")
    func delay() throws {
        let fixture = try ManagerFixture()
        let submitted = Date()
        let id = try fixture.submit("probe", ["ms": "1"], SubmitOptions(delaySeconds: 0.4))
        Thread.sleep(forTimeInterval: 0.2)
        #expect(try fixture.record(id).status == .pending)
        let record = try fixture.manager.waitUntilFinished(id, timeout: .seconds(10))
        let waited = (record.startedAt ?? .distantPast).timeIntervalSince(submitted)
        #expect(waited >= 0.4 && waited < 3, "started after \(waited) s")
    }

    @Test("the same idempotency key returns the first id until that task fails")
    func idempotency() throws {
        let fixture = try ManagerFixture()
        let first = try fixture.submit("probe", ["ms": "1"], SubmitOptions(idempotencyKey: "nightly"))
        let again = try fixture.submit("probe", ["ms": "1"], SubmitOptions(idempotencyKey: "nightly"))
        #expect(first == again)
        _ = try fixture.manager.waitUntilFinished(first, timeout: .seconds(10))
        #expect(try fixture.submit("probe", [:], SubmitOptions(idempotencyKey: "nightly")) == first)

        let failing = try fixture.submit("flaky", ["failures": "9"], SubmitOptions(maxRetries: 0, idempotencyKey: "flaky-key"))
        _ = try fixture.manager.waitUntilFinished(failing, timeout: .seconds(10))
        let fresh = try fixture.submit("flaky", ["failures": "0"], SubmitOptions(idempotencyKey: "flaky-key"))
        #expect(fresh != failing)
        #expect(try fixture.store.list(TaskFilter()).tasks.count == 3)
    }

    @Test("a pending task whose plugin is missing waits with a reason and starts when the plugin is dropped in")
    func waitsForPlugin() throws {
        let files = try LoaderFixture()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let database = files.home.appendingPathComponent("taskhost.db").path
        let id: String
        do {
            // First host: has the flaky plugin, but its only slot is busy, so the flaky task stays pending.
            try files.add("Sleep")
            try files.add("Flaky")
            files.loader.scan()
            let manager = TaskManager(
                store: try TaskStore(path: database), registry: files.registry, configuration: .init(maxRunning: 1), logger: logger)
            try manager.start()
            let blocker = try manager.submit(type: "sleep", parameters: ["seconds": .double(5)])
            _ = try manager.waitUntilFinished(blocker, timeout: .milliseconds(100))
            id = try manager.submit(type: "flaky", parameters: ["failures": .int(0)])
            manager.shutdown(grace: .seconds(2))
        }
        // Second host on the same home: its plugins directory has no flaky plugin.
        let plugins = try files.temporary.directory("plugins-without-flaky")
        try install(BuildProducts.plugin("Sleep"), into: plugins)
        let loader = PluginLoader(
            configuration: PluginLoaderConfiguration(
                pluginsDirectory: plugins, imageCacheDirectory: files.home.appendingPathComponent("plugin-images")),
            logger: logger)
        loader.scan()
        let manager = TaskManager(store: try TaskStore(path: database), registry: loader.registry, logger: logger)
        defer { manager.shutdown() }
        try manager.start()
        let deadline = Date().addingTimeInterval(5)
        while (try? manager.task(id).waitingReason) != "waiting for plugin providing 'flaky'" && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let waiting = try manager.task(id)
        #expect(waiting.status == .pending)
        #expect(waiting.waitingReason == "waiting for plugin providing 'flaky'")
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try manager.task(id).status == .pending)

        try install(BuildProducts.plugin("Flaky"), into: plugins)
        loader.scan()
        #expect(try manager.waitUntilFinished(id, timeout: .seconds(10)).status == .finished)
    }

    @Test("a million progress calls and 20,000 log lines: logs are capped, the database stays small")
    func chattyTaskIsCheap() throws {
        let fixture = try ManagerFixture(logCap: 1000)
        let id = try fixture.submit("chatty", ["progress": "1000000", "logs": "20000"])
        let record = try fixture.manager.waitUntilFinished(id, timeout: .seconds(60))
        #expect(record.status == .finished)
        #expect(record.progress?.completed == 1_000_000)
        let logs = try fixture.store.logs(id, limit: 100_000)
        // Whether a "… earlier lines dropped" line leads depends on whether a commit flushed some
        // lines while the task still logged (the kept ones then do not start at sequence 1).
        let lines = logs.filter { !$0.message.hasPrefix("… ") }
        #expect(lines.count == 1000)
        #expect(logs.count - lines.count <= 1 && (logs.count == 1000 || logs.first?.message.contains("earlier lines dropped") == true))
        #expect(logs.last?.message == "line 19999")
        let size = try FileManager.default.attributesOfItem(atPath: fixture.databasePath)[.size] as? Int ?? 0
        let wal = (try? FileManager.default.attributesOfItem(atPath: fixture.databasePath + "-wal")[.size] as? Int) ?? 0
        #expect(size + wal < 8 << 20, "database is \(size) + \(wal) bytes")
    }
}
