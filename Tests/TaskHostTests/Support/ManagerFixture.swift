import Foundation
import Logging
import TaskHost
import TaskKit
import Testing

/// A real store file, real plugins and a started manager in a temporary home.
final class ManagerFixture: @unchecked Sendable {
    let loaderFixture: LoaderFixture
    let store: TaskStore
    let manager: TaskManager
    var home: URL { loaderFixture.home }
    var plugins: URL { loaderFixture.plugins }
    var databasePath: String { home.appendingPathComponent("taskhost.db").path }

    init(
        maxRunning: Int = 4, plugins: [String] = ["Sleep", "Flaky", "TestTasksFixture"], logCap: Int = 10_000,
        limits: TaskLimits = TaskLimits()
    ) throws {
        loaderFixture = try LoaderFixture()
        for plugin in plugins { try loaderFixture.add(plugin) }
        loaderFixture.loader.scan()
        store = try TaskStore(path: loaderFixture.home.appendingPathComponent("taskhost.db").path, logCap: logCap)
        var logger = Logger(label: "test.manager")
        logger.logLevel = .critical
        manager = TaskManager(
            store: store, registry: loaderFixture.registry, configuration: TaskManagerConfiguration(maxRunning: maxRunning, limits: limits),
            logger: logger)
        try manager.start()
    }

    deinit { manager.shutdown(grace: .seconds(2)) }

    /// Submits with text parameters, as the CLI would.
    func submit(_ type: String, _ parameters: [String: String] = [:], _ options: SubmitOptions = SubmitOptions()) throws -> String {
        try manager.submit(type: type, parameters: parameters.mapValues { .string($0) }, options: options, actor: "test")
    }

    func record(_ id: String) throws -> TaskRecord { try manager.task(id) }

    /// Polls `condition` every 5 ms until it holds or `timeout` passes; returns whether it held.
    @discardableResult
    func eventually(_ timeout: Duration = .seconds(10), _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return try condition()
    }

    /// Waits until the task has `status`.
    func waitFor(_ id: String, _ status: TaskStatus, timeout: Duration = .seconds(10)) throws -> TaskRecord {
        _ = try eventually(timeout) { try record(id).status == status }
        let found = try record(id)
        #expect(found.status == status, "task \(id) is \(found.status), waited for \(status)")
        return found
    }

    /// The task's progress as the task reported it (in memory, not yet flushed, is not visible here).
    func progress(_ id: String) throws -> Int64 { try record(id).progress?.completed ?? 0 }
}
