import Foundation
import TaskHost
import Testing

/// The real `taskhost` binary, driven as a user would.
@Suite("taskhost plugins check / taskhost types")
struct PluginsCLITests {
    func taskhost(_ arguments: [String]) throws -> CommandResult {
        try runCommand(BuildProducts.taskhost.path, arguments)
    }

    @Test("plugins check exits 0 on a clean directory and lists types with parameters")
    func checkClean() throws {
        let fixture = try LoaderFixture()
        try fixture.add("Sleep")
        try fixture.add("HashTree")
        let result = try taskhost(["plugins", "check", fixture.plugins.path, "--home", fixture.home.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ok        libSleepPlugin.so: plugin sleep 1.0.0"))
        #expect(result.stdout.contains("-p path=<path> (required)"))
        #expect(result.stdout.contains("2 loaded, 0 rejected"))
    }

    @Test("plugins check exits non-zero and names each rejected file and why, in text and JSON")
    func checkRejected() throws {
        let fixture = try LoaderFixture()
        try fixture.add("Flaky")
        try "junk".write(to: fixture.plugins.appendingPathComponent("junk.so"), atomically: true, encoding: .utf8)
        let text = try taskhost(["plugins", "check", fixture.plugins.path, "--home", fixture.home.path])
        #expect(text.status == 1)
        #expect(text.stdout.contains("rejected  junk.so [invalid_image]"))

        let json = try taskhost(["plugins", "check", fixture.plugins.path, "--home", fixture.home.path, "--json"])
        #expect(json.status == 1)
        let report = try JSONDecoder().decode(PluginScanReport.self, from: Data(json.stdout.utf8))
        #expect(report.loaded.map(\.name) == ["flaky"])
        #expect(report.rejected.map(\.code) == ["invalid_image"])
    }

    @Test("types lists the registered types as text and JSON")
    func types() throws {
        let fixture = try LoaderFixture()
        for name in ["Sleep", "HashTree", "Flaky"] { try fixture.add(name) }
        let text = try taskhost(["types", "--plugins", fixture.plugins.path, "--home", fixture.home.path])
        #expect(text.status == 0)
        #expect(text.stdout.contains("hash-tree  SHA-256 every file"))
        let json = try taskhost(["types", "--plugins", fixture.plugins.path, "--home", fixture.home.path, "--json"])
        let types = try JSONDecoder().decode(TypeList.self, from: Data(json.stdout.utf8)).types
        #expect(types.map(\.name) == ["flaky", "hash-tree", "shell", "sleep"], "the built-in shell type is listed too")
        #expect(types.first { $0.name == "sleep" }?.parameters.map(\.name) == ["seconds", "steps-per-second"])
    }

    @Test("types on an empty directory says what to do; a missing directory fails check")
    func emptyAndMissing() throws {
        let fixture = try LoaderFixture()
        let empty = try taskhost(["types", "--plugins", fixture.plugins.path, "--home", fixture.home.path])
        #expect(empty.status == 0)
        #expect(empty.stdout.contains("No plugin types"))
        let missing = try taskhost(["plugins", "check", "/nonexistent/plugins.d", "--home", fixture.home.path])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("error: cannot read plugins directory '/nonexistent/plugins.d'"))
    }
}
