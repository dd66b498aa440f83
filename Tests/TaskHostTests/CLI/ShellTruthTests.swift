import Foundation
import TaskHost
import Testing

/// Shell commands as a shell user expects them: the caller's umask, a stop that ends `stopped`,
/// a shell's exit codes, a guard process that says what it is. The real binary throughout.
@Suite("shell tasks tell the truth")
struct ShellTruthTests {
    /// Runs the real CLI through `sh -c` so the caller's umask can be set first.
    func cli(_ daemon: DaemonFixture, umask: String, _ arguments: String) throws -> CommandResult {
        var environment = ProcessInfo.processInfo.environment
        environment["TASKHOST_HOME"] = daemon.home.path
        return try runCommand(
            "/bin/sh", ["-c", "umask \(umask); exec '\(BuildProducts.taskhost.path)' \(arguments)"], in: daemon.files.temporary.url,
            environment: environment)
    }

    @Test("a command gets the submitter's umask, not the host's 0077; --umask overrides; an API submit without one gets 0022")
    func umask() throws {
        let daemon = try DaemonFixture(http: true, plugins: [])
        let mine = try cli(daemon, umask: "0027", "exec --wait -- sh -c 'umask; touch made; stat -c %a made'")
        #expect(mine.status == 0, "\(mine.stderr)")
        #expect(mine.stdout == "0027\n640\n", "\(mine.stdout)")
        let given = try cli(daemon, umask: "0027", "exec --wait --umask 0002 -- sh -c umask")
        #expect(given.stdout == "0002\n", "\(given.stdout) \(given.stderr)")
        let bad = try daemon.cli("exec", "--umask", "0999", "--", "true")
        #expect(bad.status == 2 && bad.stderr.contains("--umask '0999' must be an octal mask"), "\(bad.stderr)")
        // `start shell` and a schedule's tasks carry it too.
        let started = try cli(daemon, umask: "0007", "start shell -p command=umask --wait")
        #expect(started.status == 0, "\(started.stderr)")
        let id = try #require(try daemon.cli("list", "--type", "shell", "--limit", "1", "--json").stdout.split(separator: "\"").first { $0.count == 32 })
        #expect(try daemon.logEntries(String(id)).map(\.message) == ["0007"])

        let port = try #require(daemon.port)
        let body = Data(#"{"type":"shell","parameters":{"argv":["sh","-c","umask"]}}"#.utf8)
        let (status, text) = try RawHTTP.request(port: port, "POST", "/v1/tasks", token: daemon.token, body: body)
        #expect(status == 201, "\(text)")
        let task = try APICoding.decoder.decode(TaskRecord.self, from: Data(text.utf8))
        #expect(try eventually(within: 10) { try daemon.detail(task.id).task.status == .finished })
        #expect(try daemon.logEntries(task.id).map(\.message) == ["0022"])
    }

    /// A command that exits 0 on SIGTERM: it honours a stop.
    static let honoursStop = ["sh", "-c", "trap 'echo bye; exit 0' TERM; echo up; while true; do sleep 0.05; done"]

    @Test("a stopped command that traps SIGTERM and exits 0 ends stopped, paused or running; the CLI and show agree, exit code kept")
    func stopHonoured() throws {
        let daemon = try DaemonFixture(plugins: [])
        // Paused, then stopped.
        let paused = try daemon.exec(["--"] + Self.honoursStop)
        #expect(try eventually { try daemon.logEntries(paused).contains { $0.message == "up" } })
        #expect(try daemon.cli("pause", paused).stdout.contains("now paused"))
        let stopPaused = try daemon.cli("stop", paused)
        #expect(stopPaused.stdout.contains("now stopped (its command exited with 0)"), "\(stopPaused.stdout)")
        #expect(try eventually(within: 10) { try daemon.detail(paused).task.exitCode == 0 })
        let pausedTask = try daemon.detail(paused).task
        #expect(pausedTask.status == .stopped, "\(pausedTask)")
        #expect(try daemon.logEntries(paused).contains { $0.message == "bye" })

        // Running, then stopped: the answer is the state it reached.
        let running = try daemon.exec(["--"] + Self.honoursStop)
        #expect(try eventually { try daemon.logEntries(running).contains { $0.message == "up" } })
        let stopRunning = try daemon.cli("stop", running)
        #expect(stopRunning.stdout.contains("now stopped (its command exited with 0)"), "\(stopRunning.stdout)")
        let runningTask = try daemon.detail(running).task
        #expect(runningTask.status == .stopped && runningTask.exitCode == 0, "\(runningTask)")
        let shown = try daemon.cli("show", running)
        #expect(shown.stdout.contains("status      stopped") && shown.stdout.contains("exit        exited with 0"), "\(shown.stdout)")
    }

    @Test("a plugin task that swallows its stop (returns, or throws its own error) still ends stopped, on a thread or in a worker",
        arguments: ["thread", "process"])
    func pluginStopHonoured(isolation: String) throws {
        let daemon = try DaemonFixture(plugins: ["TestTasksFixture"])
        for fail in ["false", "true"] {
            let id = try daemon.cli("start", "stop-swallower", "-p", "fail=\(fail)", "--isolation", isolation).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try eventually { try daemon.detail(id).task.status == .running })
            Thread.sleep(forTimeInterval: 0.2)
            let stop = try daemon.cli("stop", id)
            #expect(stop.stdout.contains("now stopped"), "\(isolation) fail=\(fail): \(stop.stdout)")
            Thread.sleep(forTimeInterval: 0.3)
            let task = try daemon.detail(id).task
            #expect(task.status == .stopped && task.notice == nil, "\(isolation) fail=\(fail): \(task)")
        }
        // Paused at its checkpoint, then stopped: the stop thrown there is swallowed too.
        let paused = try daemon.cli("start", "stop-swallower", "--isolation", isolation).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try eventually { try daemon.detail(paused).task.status == .running })
        Thread.sleep(forTimeInterval: 0.2)
        #expect(try daemon.cli("pause", paused).stdout.contains("now paused"))
        #expect(try daemon.cli("stop", paused).stdout.contains("now stopped"))
        #expect(try eventually { try daemon.detail(paused).attempts.last?.outcome != nil })
        let detail = try daemon.detail(paused)
        #expect(detail.task.status == .stopped && detail.attempts.last?.outcome == "stopped", "\(isolation): \(detail)")
    }

    @Test("exec --wait exits as a shell would: 127 not found, 126 not executable, 124 and a word on a timeout")
    func exitCodes() throws {
        let daemon = try DaemonFixture(plugins: [])
        let missing = try daemon.cli("exec", "--wait", "--", "/nonexistent/cmd")
        #expect(missing.status == 127, "\(missing.status) \(missing.stderr)")
        #expect(missing.stderr.contains("command not found: /nonexistent/cmd"), "\(missing.stderr)")
        let notOnPath = try daemon.cli("exec", "--wait", "--", "no-such-program-anywhere")
        #expect(notOnPath.status == 127 && notOnPath.stderr.contains("command not found"), "\(notOnPath.stderr)")
        let script = daemon.files.temporary.url.appendingPathComponent("not-executable.sh")
        try "echo hi\n".write(to: script, atomically: true, encoding: .utf8)
        let notExecutable = try daemon.cli("exec", "--wait", "--", script.path)
        #expect(notExecutable.status == 126 && notExecutable.stderr.contains("Permission denied"), "\(notExecutable.stderr)")
        let timedOut = try daemon.cli("exec", "--wait", "--timeout", "1s", "--grace", "0s", "--", "sleep", "30")
        #expect(timedOut.status == 124, "\(timedOut.status) \(timedOut.stderr)")
        #expect(timedOut.stderr.contains("timed out after 1s"), "\(timedOut.stderr)")
        let exited = try daemon.cli("exec", "--wait", "--", "sh", "-c", "exit 7")
        #expect(exited.status == 7)
        let killed = try daemon.cli("exec", "--wait", "--", "sh", "-c", "kill -9 $$")
        #expect(killed.status == 137)
    }

    @Test("the guard process shows in ps as the guard of its task, not as a second taskhost serve")
    func guardTitle() throws {
        let daemon = try DaemonFixture(plugins: [])
        let id = try daemon.exec(["--", "sleep", "30"])
        #expect(try eventually { try daemon.detail(id).task.status == .running })
        let title = "taskhost: guard for task \(id.prefix(12)) (sleep)"
        #expect(eventually { Processes.matching(title).count == 1 }, "\(Processes.matching("taskhost"))")
        let guardPID = try #require(Processes.matching(title).first)
        let name = try String(contentsOfFile: "/proc/\(guardPID)/comm", encoding: .utf8)
        #expect(name == "taskhost-guard\n")
        let commandLine = String(decoding: FileManager.default.contents(atPath: "/proc/\(guardPID)/cmdline") ?? Data(), as: UTF8.self)
        #expect(!commandLine.contains("serve"), "the guard no longer reads as a second taskhost serve: \(commandLine)")
        #expect(try daemon.cli("stop", id).status == 0)
    }
}
