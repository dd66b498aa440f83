import Foundation
import TaskHost
import Testing

/// Answers a new user relies on: what resume leads to, whose directory a relative path means,
/// schedules after removal, near-miss type names, duplicate plugins, a quiet host. Real binary.
@Suite("the CLI's answers are true")
struct TruthfulAnswerTests {
    func id(_ result: CommandResult) -> String { result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    @Test("resume answers the state reached: running when a slot is free, pending and why when none is")
    func resumeAnswer() throws {
        let daemon = try DaemonFixture(workers: 1, plugins: ["Sleep"])
        let task = id(try daemon.cli("start", "sleep", "-p", "seconds=30", "-p", "steps-per-second=50"))
        #expect(try eventually { try daemon.detail(task).task.status == .running })
        #expect(try daemon.cli("pause", task).stdout.contains("now paused"))
        let resumed = try daemon.cli("resume", task)
        #expect(resumed.stdout == "resumed \(task.prefix(12)): now running\n", "\(resumed.stdout)")

        // The only slot taken by another task: it waits, and says for what.
        #expect(try daemon.cli("pause", task).stdout.contains("now paused"))
        let other = id(try daemon.cli("start", "sleep", "-p", "seconds=30"))
        #expect(try eventually { try daemon.detail(other).task.status == .running })
        let waiting = try daemon.cli("resume", task)
        #expect(waiting.stdout.contains("now pending (waiting for a free task slot"), "\(waiting.stdout)")
        let json = try daemon.cli("resume", task, "--json")
        #expect(json.status == 1, "resuming a pending task is refused: \(json.stdout)")
    }

    @Test("relative paths are the caller's: .path parameters and -p cwd= are resolved where the CLI runs")
    func relativePaths() throws {
        let daemon = try DaemonFixture(plugins: ["HashTree"])
        let here = try daemon.files.temporary.directory("caller")
        let tree = try daemon.files.temporary.directory("caller/tree")
        try Data("abc".utf8).write(to: tree.appendingPathComponent("a.txt"))
        var environment = ProcessInfo.processInfo.environment
        environment["TASKHOST_HOME"] = daemon.home.path
        let start = try runCommand(BuildProducts.taskhost.path, ["start", "hash-tree", "-p", "path=tree", "--wait"], in: here, environment: environment)
        #expect(start.status == 0, "\(start.stdout) \(start.stderr)")
        let task = try #require(start.stdout.split(separator: "\n").first.map(String.init))
        #expect(try daemon.detail(task).task.parameters["path"] == .string(tree.standardized.path))

        let shell = try runCommand(BuildProducts.taskhost.path, ["start", "shell", "-p", "command=pwd", "--wait"], in: here, environment: environment)
        let shellTask = try #require(shell.stdout.split(separator: "\n").first.map(String.init))
        #expect(try daemon.logEntries(shellTask).map(\.message) == [here.standardized.path], "start shell runs where the caller is, as exec does")
        let inTree = try runCommand(
            BuildProducts.taskhost.path, ["start", "shell", "-p", "command=pwd", "-p", "cwd=tree", "--wait"], in: here, environment: environment)
        let inTreeTask = try #require(inTree.stdout.split(separator: "\n").first.map(String.init))
        #expect(try daemon.logEntries(inTreeTask).map(\.message) == [tree.standardized.path])

        // start --from-file: lines that leave the directory and umask to the caller, or give a relative path, get the caller's.
        try Data(#"""
            {"type":"shell","parameters":{"command":"umask; pwd"}}
            {"type":"hash-tree","parameters":{"path":"tree"}}
            """#.utf8).write(to: here.appendingPathComponent("batch.jsonl"))
        let batch = try runCommand(
            "/bin/sh", ["-c", "umask 0027; exec '\(BuildProducts.taskhost.path)' start --from-file batch.jsonl"], in: here, environment: environment)
        #expect(batch.status == 0, "\(batch.stderr)")
        let batchIDs = batch.stdout.split(separator: "\n").map(String.init)
        try #require(batchIDs.count == 2)
        #expect(try eventually(within: 10) { try daemon.logEntries(batchIDs[0]).map(\.message) == ["0027", here.standardized.path] })
        #expect(try daemon.detail(batchIDs[1]).task.parameters["path"] == .string(tree.standardized.path))

        let types = try daemon.cli("types")
        #expect(types.stdout.contains("sends the directory you run it in by default"), "\(types.stdout)")
        #expect(types.stdout.contains("A relative path (-p path=notes/a.txt, -p cwd=site) means one in the directory you run taskhost in."))
    }

    @Test("a removed schedule's tasks stay listable by its id or prefix; schedule list works without a host")
    func removedSchedule() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let schedule = try daemon.addSchedule(["sleep", "--every", "1s", "-p", "seconds=0", "--name", "tick"])
        #expect(try eventually(within: 5) { try daemon.scheduledTasks(schedule).count >= 1 })
        #expect(try daemon.cli("schedule", "rm", schedule).status == 0)
        let full = try daemon.cli("list", "--schedule", schedule, "--json")
        #expect(full.status == 0, "\(full.stderr)")
        let page = try APICoding.decoder.decode(TaskPage.self, from: Data(full.stdout.utf8))
        #expect(!page.tasks.isEmpty && page.tasks.allSatisfy { $0.schedule == schedule })
        #expect(try daemon.cli("list", "--schedule", String(schedule.prefix(6))).status == 0)
        let unknown = try daemon.cli("list", "--schedule", "abcdef0123")
        #expect(unknown.status == 1 && unknown.stderr.contains("[schedule_not_found]"), "\(unknown.stderr)")

        let kept = try daemon.addSchedule(["sleep", "--every", "1h", "--name", "hourly"])
        daemon.signal(SIGTERM)
        let offline = try daemon.cli("schedule", "list")
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stdout.contains(String(kept.prefix(12))) && offline.stdout.contains("hourly"))
        #expect(offline.stderr.contains("no host is running"))
        let offlineJSON = try daemon.cli("schedule", "list", "--json")
        #expect(try APICoding.decoder.decode(ScheduleList.self, from: Data(offlineJSON.stdout.utf8)).schedules.map(\.id) == [kept])
        #expect(try daemon.cli("list", "--schedule", schedule).status == 0, "offline too")
    }

    @Test("an unknown type says did you mean for a near miss, and lists no type whose plugin file was removed")
    func unknownType() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep", "HashTree"])
        let nearMiss = try daemon.cli("start", "hash-tre")
        #expect(nearMiss.status == 1)
        #expect(nearMiss.stderr.contains("unknown task type 'hash-tre' (did you mean 'hash-tree'?)"), "\(nearMiss.stderr)")
        #expect(nearMiss.stderr.hasSuffix("[unknown_type]\n"))
        let far = try daemon.cli("start", "zzzzzz")
        #expect(!far.stderr.contains("did you mean"))
        try FileManager.default.removeItem(at: daemon.files.plugins.appendingPathComponent("libSleepPlugin.so"))
        #expect(try eventually(within: 5) { try daemon.cli("start", "sleep").stderr.contains("no longer available") })
        let listed = try daemon.cli("start", "slep")
        #expect(listed.stderr.contains("known types: hash-tree, shell"), "\(listed.stderr)")
        #expect(!listed.stderr.contains("did you mean 'sleep'"))
    }

    @Test("two files declaring one plugin name and version load with a warning in the banner and in plugins check")
    func samePluginTwice() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep", "SameNameSleepFixture"])
        let warning = "plugin sleep 1.0.0 is loaded from 2 files (libSameNameSleepFixture.so, libSleepPlugin.so)"
        #expect(daemon.banner.contains("warning   \(warning)"), "\(daemon.banner)")
        let check = try daemon.cli("plugins", "check", daemon.files.plugins.path)
        #expect(check.stdout.contains("warning   \(warning)"), "\(check.stdout)")
        #expect(check.status == 0, "a warning is not a rejection")
        let json = try daemon.cli("plugins", "check", daemon.files.plugins.path, "--json")
        let report = try APICoding.decoder.decode(PluginScanReport.self, from: Data(json.stdout.utf8))
        #expect(report.warnings.count == 1)
    }

    @Test("the host prints no notice lines without --verbose, and watches a plugins directory created after it started")
    func quietHostAndLateDirectory() throws {
        let files = try LoaderFixture()
        let plugins = files.temporary.url.appendingPathComponent("later/plugins.d")
        let errors = files.temporary.url.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = BuildProducts.taskhost
        process.arguments = ["serve", "--home", files.home.path, "--plugins", plugins.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        var environment = ProcessInfo.processInfo.environment
        environment["TASKHOST_HOME"] = files.home.path
        let health = { try runCommand(BuildProducts.taskhost.path, ["health"], environment: environment) }
        #expect(try eventually(within: 30) { try health().status == 0 })
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try install(BuildProducts.plugin("Sleep"), into: plugins, as: nil)
        #expect(try eventually(within: 5) {
            try runCommand(BuildProducts.taskhost.path, ["types"], environment: environment).stdout.contains("sleep")
        })
        let start = try runCommand(BuildProducts.taskhost.path, ["start", "sleep", "-p", "seconds=0", "--wait"], environment: environment)
        #expect(start.status == 0, "\(start.stderr)")
        // Moved away and made again: the new directory is the one watched.
        try FileManager.default.moveItem(at: plugins, to: plugins.deletingLastPathComponent().appendingPathComponent("plugins.old"))
        Thread.sleep(forTimeInterval: 0.5)
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try install(BuildProducts.plugin("HashTree"), into: plugins, as: nil)
        #expect(try eventually(within: 5) {
            let types = try runCommand(BuildProducts.taskhost.path, ["types"], environment: environment).stdout
            return types.contains("hash-tree")
        }, "a plugin dropped into the directory made again after a move loads")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let banner = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(banner.contains("watched: plugins put there once it is created load within a second"), "\(banner)")
        let stderr = try String(contentsOf: errors, encoding: .utf8)
        #expect(!stderr.contains("notice") && !stderr.contains("info"), "\(stderr)")
    }
}
