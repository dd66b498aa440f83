import Foundation
@testable import TaskHost
import Testing

/// A half-copied, truncated or crashing plugin file used to kill the host inside `dlopen`.
@Suite("Hostile input: plugin files")
struct PluginFileTests {
    /// The first `bytes` bytes of a real plugin.
    static func truncatedPlugin(_ bytes: Int) throws -> Data {
        try Data(contentsOf: BuildProducts.plugin("Sleep")).prefix(bytes)
    }

    /// A C library whose initialiser writes through a null pointer, as `dlopen` runs it.
    static let crashingInitialiser = """
        #include <stdio.h>
        __attribute__((constructor)) static void crash(void) { fprintf(stderr, "initialiser crashing\\n"); *(volatile int *)0 = 1; }
        """

    @Test("a truncated .so at start-up and at hot reload is rejected with the byte counts; the host runs on")
    func truncated() throws {
        let full = try Data(contentsOf: BuildProducts.plugin("Sleep")).count
        let daemon = try DaemonFixture(plugins: ["Flaky"])
        try Self.truncatedPlugin(40_000).write(to: daemon.files.plugins.appendingPathComponent("half.so"))
        let plugins = try pluginsReport(daemon, waitingFor: "half.so")
        #expect(plugins.contains("incomplete ELF image: 40,000 of \(ByteCount.grouped(full)) bytes"), "\(plugins)")
        #expect(daemon.process.isRunning)
        // Completing the copy loads it without a restart.
        try Data(contentsOf: BuildProducts.plugin("Sleep")).write(to: daemon.files.plugins.appendingPathComponent("half.so"))
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, !(try daemon.cli("types").stdout.contains("sleep")) { Thread.sleep(forTimeInterval: 0.1) }
        #expect(try daemon.cli("types").stdout.contains("sleep"))

        // At start-up too.
        daemon.signal(SIGTERM)
        try Self.truncatedPlugin(100_000).write(to: daemon.files.plugins.appendingPathComponent("other.so"))
        let restarted = try daemon.restarted()
        #expect(restarted.banner.contains("other.so: incomplete ELF image: 100,000 of"), "\(restarted.banner)")
    }

    @Test("a plugin whose initialiser segfaults is rejected by the probe child, naming the signal; the host runs on")
    func crashingInitialiserRejected() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let scratch = try TemporaryDirectory("crash-plugin")
        let built = scratch.url.appendingPathComponent("crash.so")
        try compileCSharedLibrary(Self.crashingInitialiser, to: built)
        try install(built, into: daemon.files.plugins)
        let plugins = try pluginsReport(daemon, waitingFor: "crash.so")
        #expect(plugins.contains("plugin probe killed by SIGSEGV (signal 11) during load"), "\(plugins)")
        #expect(plugins.contains("initialiser crashing"))
        #expect(daemon.process.isRunning)
        #expect(try daemon.cli("start", "sleep", "-p", "seconds=0.1", "--wait").status == 0)
    }

    @Test("plugins check never crashes: truncated and crashing files are named with the reason, exit 1")
    func checkCommand() throws {
        let scratch = try TemporaryDirectory("check")
        let directory = try scratch.directory("plugins")
        try install(BuildProducts.plugin("Sleep"), into: directory)
        try Self.truncatedPlugin(40_000).write(to: directory.appendingPathComponent("half.so"))
        let crash = scratch.url.appendingPathComponent("crash.so")
        try compileCSharedLibrary(Self.crashingInitialiser, to: crash)
        try install(crash, into: directory)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory.appendingPathComponent(file).path)
        }
        let result = try runCommand(
            BuildProducts.taskhost.path, ["plugins", "check", directory.path, "--home", scratch.url.appendingPathComponent("home").path])
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("half.so [incomplete_image]: incomplete ELF image: 40,000 of"), "\(result.stdout)")
        #expect(result.stdout.contains("crash.so [probe_failed]: plugin probe killed by SIGSEGV"), "\(result.stdout)")
        #expect(result.stdout.contains("ok        libSleepPlugin.so"))
    }

    @Test("private copies of rejected or replaced images do not pile up in plugin-images")
    func staleImagesRemoved() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let scratch = try TemporaryDirectory("stale")
        let crash = scratch.url.appendingPathComponent("crash.so")
        try compileCSharedLibrary(Self.crashingInitialiser, to: crash)
        try install(crash, into: daemon.files.plugins)
        _ = try pluginsReport(daemon, waitingFor: "crash.so")
        try "leftover".write(to: daemon.home.appendingPathComponent("plugin-images/0000.so"), atomically: true, encoding: .utf8)
        #expect(try daemon.cli("plugins", "rescan").status == 1)
        let images = try FileManager.default.contentsOfDirectory(atPath: daemon.home.appendingPathComponent("plugin-images").path)
        // The sleep plugin's image and its probe marker, nothing else.
        #expect(images.filter { $0.hasSuffix(".so") }.count == 1, "\(images)")
        #expect(images.count == 2, "\(images)")
    }

    @Test("the ELF check: a table of whole, cut and malformed images")
    func elfTable() throws {
        let whole = try Data(contentsOf: BuildProducts.plugin("Sleep"))
        #expect(PluginLoader.imageProblem(whole) == nil)
        for cut in [0, 10, 63, 64, 4096, whole.count / 2, whole.count - 1] {
            let problem = PluginLoader.imageProblem(whole.prefix(cut))
            #expect(problem != nil, "cut at \(cut) accepted")
        }
        #expect(PluginLoader.imageProblem(whole.prefix(whole.count - 1))?.contains("of \(ByteCount.grouped(whole.count)) bytes") == true)
        var wrongClass = whole
        wrongClass[4] = 1
        #expect(PluginLoader.imageProblem(wrongClass)?.contains("64-bit") == true)
        var huge = whole
        for index in 40..<48 { huge[index] = 0xFF }  // section header offset near 2^64
        #expect(PluginLoader.imageProblem(huge) != nil)
    }

    @Test("a plugin dated in 2300 or an hour ahead neither crashes the host nor stalls its start")
    func strangeModificationTimes() throws {
        let files = try LoaderFixture()
        let late = try files.add("Sleep")
        let ahead = try files.add("Flaky")
        for (file, date) in [(late, "2300-01-01"), (ahead, "+1 hour")] {
            let touch = try runCommand("/usr/bin/env", ["touch", "-d", date, file.path])
            try #require(touch.status == 0, "\(touch.stderr)")
        }
        let started = Date()
        let report = files.loader.scan()
        #expect(Date().timeIntervalSince(started) < 3, "the scan took \(Date().timeIntervalSince(started)) s")
        #expect(report.loaded.map(\.name).sorted() == ["flaky", "sleep"], "\(report.rejected)")
    }

    @Test("a plugin whose initialiser forks a long-lived process does not hold the probe; the process is killed with it")
    func forkingInitialiser() throws {
        let scratch = try TemporaryDirectory("fork-plugin")
        let pidFile = scratch.url.appendingPathComponent("sleeper.pid").path
        let source = """
            #include <stdio.h>
            #include <unistd.h>
            __attribute__((constructor)) static void spawn(void) {
                if (fork() == 0) {
                    FILE *file = fopen("\(pidFile)", "w");
                    if (file) { fprintf(file, "%d", getpid()); fclose(file); }
                    sleep(60);
                    _exit(0);
                }
            }
            """
        let built = scratch.url.appendingPathComponent("forking.so")
        try compileCSharedLibrary(source, to: built)
        let directory = try scratch.directory("plugins")
        try install(built, into: directory)
        let started = Date()
        let result = try runCommand(
            BuildProducts.taskhost.path, ["plugins", "check", directory.path, "--home", scratch.url.appendingPathComponent("home").path])
        #expect(Date().timeIntervalSince(started) < 8, "plugins check took \(Date().timeIntervalSince(started)) s")
        #expect(result.stdout.contains("forking.so [probe_failed]"), "\(result.stdout)")
        let pid = try #require(Int32((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""), "the initialiser did not run in the probe")
        let gone = eventually {
            // Killed: gone, or a zombie waiting for a reaper that never comes (no init in a container).
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            return kill(pid, 0) != 0 || stat.contains(") Z ")
        }
        #expect(gone, "the process the plugin forked (pid \(pid)) outlived the probe")
    }

    private func pluginsReport(_ daemon: DaemonFixture, waitingFor file: String) throws -> String {
        let deadline = Date().addingTimeInterval(20)
        var text = ""
        while Date() < deadline {
            text = try daemon.cli("plugins").stdout
            if text.contains("rejected  \(file)") { return text }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return text
    }
}

