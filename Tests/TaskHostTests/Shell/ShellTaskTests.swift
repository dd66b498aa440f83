import Foundation
import TaskHost
import Testing

/// The built-in `shell` type through the real binary: `taskhost exec` and the API.
@Suite("Shell-command tasks")
struct ShellTaskTests {
    @Test("exit code 3 fails the task with exitCode 3; stdout and stderr are both in the log, stderr marked")
    func exitCodeAndStreams() throws {
        let daemon = try DaemonFixture(plugins: [])
        let waited = try daemon.cli("exec", "--wait", "--", "sh", "-c", "echo to-out; echo to-err >&2; exit 3")
        #expect(waited.status == 3, "exec --wait exits with the command's code: \(waited.stderr)")
        #expect(waited.stdout.contains("to-out") && waited.stderr.contains("to-err"))
        let id = try daemon.exec(["--", "sh", "-c", "echo to-out; echo to-err >&2; exit 3"])
        #expect(try daemon.cli("wait", id).status == 1)
        let task = try daemon.detail(id).task
        #expect(task.status == .failed && task.exitCode == 3 && task.signal == nil)
        #expect(task.error?.message == "exited with 3")
        let result = try #require(task.result)
        #expect(result.contains("\"exitCode\":3") && result.contains("to-err") && result.contains("durationSeconds"))
        let logs = try daemon.logEntries(id)
        #expect(logs.contains { $0.message == "to-out" && $0.level == .info })
        #expect(logs.contains { $0.message == "to-err" && $0.level == .warning })
        let show = try daemon.cli("show", id)
        #expect(show.stdout.contains("exited with 3"), "\(show.stdout)")
    }

    @Test("argv is exact (no shell): printf '%s|' 'a b' '$HOME' '*' logs a b|$HOME|*|")
    func argvIsExact() throws {
        let daemon = try DaemonFixture(plugins: [])
        let waited = try daemon.cli("exec", "--wait", "--", "printf", "%s|", "a b", "$HOME", "*")
        #expect(waited.status == 0, "\(waited.stderr)")
        #expect(waited.stdout == "a b|$HOME|*|\n")
        let id = try daemon.exec(["--", "printf", "%s|", "a b", "$HOME", "*"])
        #expect(try daemon.cli("wait", id).status == 0)
        #expect(try daemon.logEntries(id).map(\.message) == ["a b|$HOME|*|"])
        #expect(try daemon.detail(id).task.exitCode == 0)
    }

    @Test("--cwd (relative to the caller) and --env apply; the environment is clean unless --inherit-env")
    func workingDirectoryAndEnvironment() throws {
        let daemon = try DaemonFixture(plugins: [])
        let folder = daemon.files.temporary.url.appendingPathComponent("work dir")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let clean = try daemon.cli("exec", "--wait", "--cwd", "work dir", "--env", "FOO=x y", "--", "sh", "-c", "pwd; env")
        #expect(clean.status == 0, "\(clean.stderr)")
        let lines = clean.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path } == folder.resolvingSymlinksInPath().path)
        #expect(lines.contains("FOO=x y"))
        let names = Set(lines.dropFirst().compactMap { $0.split(separator: "=").first.map(String.init) })
        let allowed: Set = ["PATH", "HOME", "LANG", "TZ", "FOO", "TASKHOST_TASK_ID", "TASKHOST_ATTEMPT", "PWD", "SHLVL", "_", "OLDPWD"]
        #expect(names.isSubset(of: allowed), "unexpected variables: \(names.subtracting(allowed))")
        let inherited = try daemon.cli("exec", "--wait", "--inherit-env", "--", "env")
        let inheritedNames = Set(inherited.stdout.split(separator: "\n").compactMap { $0.split(separator: "=").first.map(String.init) })
        #expect(inheritedNames.count > names.count, "--inherit-env passes the host's environment")
        let missing = try daemon.cli("exec", "--wait", "--cwd", "/no/such/dir", "--", "true")
        #expect(missing.status == 1 && missing.stderr.contains("/no/such/dir"), "\(missing.stderr)")
        let unknown = try daemon.cli("exec", "--wait", "--", "no-such-command-xyz")
        #expect(unknown.status == 127 && unknown.stderr.contains("command not found"), "\(unknown.stderr)")
    }

    @Test("a loop printing every 50 ms stops printing while paused (its group frozen) and goes on after resume; stop ends it")
    func pauseFreezesTheGroup() throws {
        let daemon = try DaemonFixture(plugins: [])
        let marker = "pause-loop-\(UInt32.random(in: 0...UInt32.max))"
        let id = try daemon.exec(["--", "sh", "-c", "while true; do echo \(marker); sleep 0.05; done"])
        #expect(try eventually { try daemon.logEntries(id).count >= 5 })
        let paused = try daemon.cli("pause", id)
        #expect(paused.status == 0 && paused.stdout.contains("now paused"), "\(paused.stdout)")
        let pid = try #require(try daemon.detail(id).task.pid)
        #expect(Processes.state(pid) == "T", "the command is stopped (SIGSTOP)")
        let before = try daemon.logEntries(id).count
        Thread.sleep(forTimeInterval: 1)
        #expect(try daemon.logEntries(id).count == before, "no output while paused")
        let resumed = try daemon.cli("resume", id)
        #expect(resumed.status == 0 && resumed.stdout.contains("now running"), "\(resumed.stdout)")
        #expect(try daemon.detail(id).task.pid == pid, "the same process goes on")
        #expect(try eventually { try daemon.logEntries(id).count >= before + 5 })
        let stop = try daemon.cli("stop", id)
        #expect(stop.status == 0)
        #expect(try eventually { try daemon.detail(id).task.status == .stopped })
        #expect(eventually { Processes.matching(marker).isEmpty }, "nothing of the command is left")
        #expect(try daemon.detail(id).task.signal == Int(SIGTERM))
    }

    @Test("--timeout 1s -- sleep 30 fails within a few seconds with the process gone")
    func timeoutKillsTheCommand() throws {
        let daemon = try DaemonFixture(plugins: [])
        let started = Date()
        let waited = try daemon.cli("exec", "--wait", "--timeout", "1s", "--", "sleep", "30.25")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(waited.status != 0)
        let id = try #require(try daemon.cli("list", "--json").stdout.split(separator: "\"").first { $0.count == 32 }.map(String.init))
        let task = try daemon.detail(id).task
        #expect(task.status == .failed && task.error?.message.contains("timed out after 1 s") == true, "\(String(describing: task.error))")
        #expect(Processes.matching("sleep 30.25").isEmpty)
    }

    @Test("a host SIGKILL leaves no process of a command behind (running or paused); at the next start they are interrupted")
    func hostDeathLeavesNoOrphans() throws {
        let daemon = try DaemonFixture(plugins: [])
        let marker = "\(UInt16.random(in: 1000...9999))"
        let running = try daemon.exec(["--", "sh", "-c", "sleep 1000.\(marker) & sleep 1001.\(marker); wait"])
        let paused = try daemon.exec(["--", "sleep", "1002.\(marker)"])
        #expect(eventually { Processes.matching(".\(marker)").count == 4 })
        #expect(try daemon.cli("pause", paused).status == 0)
        daemon.signal(SIGKILL)
        #expect(eventually { Processes.matching(".\(marker)").isEmpty }, "left behind: \(Processes.matching(".\(marker)"))")
        let restarted = try daemon.restarted()
        for id in [running, paused] {
            let task = try restarted.detail(id).task
            #expect(task.status == .interrupted, "\(id): \(task.status)")
        }
    }

    @Test("output: 9,000 lines in order, invalid UTF-8 and NUL replaced, a 150 KB line split at 64 KB")
    func outputLines() throws {
        let daemon = try DaemonFixture(plugins: [])
        let many = try daemon.exec(["--", "seq", "1", "9000"])
        #expect(try daemon.cli("wait", many).status == 0)
        let lines = try daemon.logEntries(many).map(\.message)
        #expect(lines.count == 9000 && lines.first == "1" && lines.last == "9000")
        #expect(lines == (1...9000).map(String.init))
        let odd = try daemon.exec(["--", "sh", "-c", "printf '\\377ok\\n'; printf 'nul\\0byte\\n'; head -c 150000 /dev/zero | tr '\\0' a"])
        #expect(try daemon.cli("wait", odd).status == 0)
        let oddLines = try daemon.logEntries(odd).map(\.message)
        #expect(oddLines.first == "\u{FFFD}ok")
        #expect(oddLines.dropFirst().first == "nul\u{FFFD}byte", "a NUL would cut the stored line short")
        #expect(oddLines.dropFirst(2).map(\.utf8.count) == [65_536, 65_536, 150_000 - 131_072], "\(oddLines.dropFirst(2).map(\.utf8.count))")
    }

    @Test("the API takes argv as a JSON array; bad parameters are refused at submit; a signal death is named")
    func apiRequests() throws {
        let daemon = try DaemonFixture(http: true, plugins: [])
        let port = try #require(daemon.port)
        let body = Data(#"{"type":"shell","parameters":{"argv":["sh","-c","echo via-api; kill -9 $$"]}}"#.utf8)
        let (status, text) = try RawHTTP.request(port: port, "POST", "/v1/tasks", token: daemon.token, body: body)
        #expect(status == 201 || status == 200, "\(text)")
        let task = try APICoding.decoder.decode(TaskRecord.self, from: Data(text.utf8))
        #expect(try daemon.cli("wait", task.id).status == 1)
        let ended = try daemon.detail(task.id).task
        #expect(ended.signal == 9 && ended.error?.message == "failed: killed by signal 9 (SIGKILL)".replacingOccurrences(of: "failed: ", with: ""))
        for (parameters, expected) in [
            (#"{}"#, "give either 'argv'"), (#"{"argv":[]}"#, "'argv' is empty"), (#"{"argv":["a"],"command":"b"}"#, "not both"),
            (#"{"command":"x","cwd":"relative"}"#, "absolute"), (#"{"command":"x","progressPattern":"[0-9]+%"}"#, "capture group"),
            (#"{"command":"x","env":"{\"A=B\":\"c\"}"}"#, "invalid"),
        ] {
            let request = Data(#"{"type":"shell","parameters":\#(parameters)}"#.utf8)
            let (code, answer) = try RawHTTP.request(port: port, "POST", "/v1/tasks", token: daemon.token, body: request)
            #expect(code == 400 && answer.contains(expected), "\(parameters): \(code) \(answer)")
        }
    }

    @Test("--progress-pattern reads a percentage from output lines")
    func progressFromOutput() throws {
        let daemon = try DaemonFixture(plugins: [])
        let id = try daemon.exec(["--progress-pattern", "([0-9]+)% done", "--", "sh", "-c", "echo '10% done'; echo '42% done'; sleep 30"])
        #expect(try eventually { try daemon.detail(id).task.progress?.completed == 42 })
        #expect(try daemon.detail(id).task.progress?.total == 100)
        #expect(try daemon.cli("stop", id).status == 0)
    }

    @Test("serve --no-shell turns the type off with a clear refusal")
    func noShell() throws {
        let daemon = try DaemonFixture(plugins: [], extraArguments: ["--no-shell"])
        let refused = try daemon.cli("exec", "--", "true")
        #expect(refused.status == 1 && refused.stderr.contains("turned off") && refused.stderr.contains("--no-shell"), "\(refused.stderr)")
        #expect(!(try daemon.cli("types").stdout.contains("shell")))
        #expect(daemon.banner.contains("off (--no-shell)"))
    }
}
