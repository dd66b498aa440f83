import Foundation
import Logging
import TaskHost
import TaskKit
import Testing

@Suite("Watching and replacing plugin files")
struct PluginReloadTests {
    func waitUntil(_ deadline: Duration, _ condition: () -> Bool) -> Duration? {
        let clock = ContinuousClock()
        let start = clock.now
        while clock.now - start < deadline {
            if condition() { return clock.now - start }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return condition() ? clock.now - start : nil
    }

    @Test("a plugin dropped into the watched directory is usable within a second")
    func watchPicksUpNewFile() throws {
        let fixture = try LoaderFixture()
        fixture.loader.scan()
        var logger = Logger(label: "test.watch")
        logger.logLevel = .critical
        let watcher = PluginDirectoryWatcher(loader: fixture.loader, logger: logger)
        try watcher.start()
        defer { watcher.stop() }
        #expect(!fixture.registry.isAvailable("flaky"))

        try fixture.add("Flaky")
        let elapsed = waitUntil(.seconds(1)) { fixture.registry.isAvailable("flaky") }
        #expect(elapsed != nil, "flaky was not registered within 1 s of the copy")

        // Removing the file withdraws the type for new tasks, with a message naming the file.
        try FileManager.default.removeItem(at: fixture.plugins.appendingPathComponent("libFlakyPlugin.so"))
        #expect(waitUntil(.seconds(1)) { !fixture.registry.isAvailable("flaky") } != nil)
        #expect(throws: TaskTypeLookupError.self) { try fixture.registry.lookup("flaky") }
    }

    @Test("overwriting a loaded plugin file in place does not crash; the new file loads as a new image")
    func overwriteInPlace() throws {
        let fixture = try LoaderFixture()
        let file = try fixture.add("Sleep", as: "plugin.so")
        fixture.loader.scan()
        let oldType = try fixture.registry.lookup("sleep")

        // Write other bytes into the SAME inode, as `cp new.so plugins.d/plugin.so` does.
        let replacement = try Data(contentsOf: BuildProducts.plugin("HashTree"))
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: replacement)
        try handle.close()

        // The old image is untouched: its code still runs.
        let parameters = try oldType.parameters.validate([:], typeName: oldType.name)
        let task: Any = try oldType.init(parameters: parameters)
        #expect(task as? any BaseTask != nil)
        #expect(oldType.summary.contains("Count to N seconds"))

        let report = fixture.loader.scan()
        #expect(report.loaded.first?.types.map(\.name) == ["hash-tree"])
        #expect(fixture.registry.isAvailable("hash-tree"))
        #expect(!fixture.registry.isAvailable("sleep"))
        let images = try FileManager.default.contentsOfDirectory(atPath: fixture.home.appendingPathComponent("plugin-images").path)
        #expect(images.filter { $0.hasSuffix(".so") }.count == 2)
    }
}
