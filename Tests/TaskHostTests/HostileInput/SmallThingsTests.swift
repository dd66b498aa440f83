import Foundation
import TaskHost
import Testing

/// The small faults found while trying taskhost as a new user would, each with its test.
@Suite("Hostile input: small things")
struct SmallThingsTests {
    @Test("show \"\" and a non-hex id are usage errors (exit 2), not a raw decoding error")
    func emptyID() throws {
        let daemon = try DaemonFixture()
        for command in [["show", ""], ["logs", ""], ["pause", ""], ["wait", "xyz!"]] {
            let result = try daemon.cli(command)
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(!result.stderr.contains("DecodingError") && result.stderr.contains("task id"), "\(result.stderr)")
        }
    }

    @Test("an ambiguous prefix says how many tasks match, beyond the first five")
    func ambiguousPrefixCount() throws {
        let fixture = try ManagerFixture()
        var ids: [String] = []
        for _ in 0..<200 { ids.append(try fixture.submit("probe", ["ms": "0"])) }
        let byFirst = Dictionary(grouping: ids) { String($0.prefix(1)) }
        let (prefix, matches) = try #require(byFirst.max { $0.value.count < $1.value.count })
        try #require(matches.count >= 7)
        do {
            _ = try fixture.store.resolveID(prefix)
            Issue.record("prefix \(prefix) resolved")
        } catch {
            #expect("\(error)".contains("matches \(matches.count) tasks"), "\(error)")
            #expect("\(error)".contains("and \(matches.count - 5) more"), "\(error)")
        }
    }

    @Test("pause, resume and stop say what is true: a running task has only a request until its checkpoint")
    func controlMessages() throws {
        let daemon = try DaemonFixture()
        let id = try daemon.cli("start", "no-checkpoint", "-p", "ms=30000").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        Thread.sleep(forTimeInterval: 0.3)
        let pause = try daemon.cli("pause", id)
        #expect(pause.stdout.hasPrefix("pause requested for \(id.prefix(12)): still running; it pauses at its next checkpoint"), "\(pause.stdout)")
        #expect(!pause.stdout.contains("now running"))
        let stop = try daemon.cli("stop", id)
        #expect(stop.stdout.hasPrefix("stop requested for \(id.prefix(12)): still running"), "\(stop.stdout)")

        let delayed = try daemon.cli("start", "sleep", "--delay", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try daemon.cli("pause", delayed).stdout.hasPrefix("paused \(delayed.prefix(12)): now paused"))
        let resume = try daemon.cli("resume", delayed)
        // Resumed, it is queued; the scheduler may already have started it by the time the answer is read.
        #expect(
            resume.stdout.hasPrefix("resumed \(delayed.prefix(12)): now pending") || resume.stdout.hasPrefix("resumed \(delayed.prefix(12)): now running"),
            "\(resume.stdout)")
    }

    @Test("list without a host marks running tasks as last recorded")
    func offlineList() throws {
        let daemon = try DaemonFixture()
        _ = try daemon.cli("start", "sleep", "-p", "seconds=30")
        Thread.sleep(forTimeInterval: 0.5)
        daemon.signal(SIGKILL)
        let list = try daemon.cli("list")
        #expect(list.status == 0)
        #expect(list.stdout.contains("running (host not running — as last recorded)"), "\(list.stdout)")
        #expect(list.stderr.contains("no host is running"))
    }

    @Test("the Authorization scheme is case-insensitive (RFC 9110): bearer and BEARER work")
    func bearerCase() throws {
        let daemon = try DaemonFixture(http: true)
        let port = try #require(daemon.port)
        for scheme in ["bearer", "BEARER", "Bearer"] {
            let (status, body) = try RawHTTP.request(port: port, "GET", "/v1/healthz", token: daemon.token, scheme: scheme)
            #expect(status == 200, "\(scheme): \(body)")
        }
        let (wrong, _) = try RawHTTP.request(port: port, "GET", "/v1/healthz", token: daemon.token, scheme: "Basic")
        #expect(wrong == 401)
    }

    @Test("serve refuses --grace inf and a name that only looks like loopback (127.evil.example)")
    func serveArguments() throws {
        let scratch = try TemporaryDirectory("serve-args")
        let home = scratch.url.appendingPathComponent("home").path
        let grace = try runCommand(BuildProducts.taskhost.path, ["serve", "--home", home, "--grace", "inf"])
        #expect(grace.status == 2 && grace.stderr.contains("--grace"), "\(grace.stderr)")
        let evil = try runCommand(BuildProducts.taskhost.path, ["serve", "--home", home, "--http", "127.evil.example:8080"], timeout: 30)
        #expect(evil.status == 1, "\(evil.stdout) \(evil.stderr)")
        #expect(evil.stderr.contains("refusing to listen on 127.evil.example"), "\(evil.stderr)")
    }

    @Test("the banner prints the bound port for :0 and brackets IPv6; the port answers")
    func boundPort() throws {
        for (address, shown) in [("127.0.0.1:0", "http://127.0.0.1:"), ("[::1]:0", "http://[::1]:")] {
            let files = try LoaderFixture()
            let process = Process()
            process.executableURL = BuildProducts.taskhost
            process.arguments = ["serve", "--home", files.home.path, "--plugins", files.plugins.path, "--http", address]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            var banner = ""
            let deadline = Date().addingTimeInterval(30)
            while !banner.contains("slots") && Date() < deadline && process.isRunning {
                banner += String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
            }
            let line = try #require(banner.split(separator: "\n").first { $0.contains(shown) }, "\(banner)")
            let port = try #require(Int(line.components(separatedBy: shown)[1].prefix { $0.isNumber }))
            #expect(port > 0, "\(line)")
            if address.hasPrefix("127") {
                let token = try String(contentsOf: files.home.appendingPathComponent("token"), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let (status, _) = try RawHTTP.request(port: port, "GET", "/v1/healthz", token: token)
                #expect(status == 200)
            }
        }
    }

    @Test("the CLI gives up on a host that does not answer in time, saying so (30 s by default; 2 s here)")
    func clientTimeout() throws {
        let daemon = try DaemonFixture()
        kill(daemon.process.processIdentifier, SIGSTOP)
        defer { kill(daemon.process.processIdentifier, SIGCONT) }
        let started = Date()
        let result = try daemon.cli(["list"], environment: ["TASKHOST_CLIENT_TIMEOUT": "2"])
        let took = Date().timeIntervalSince(started)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("did not answer GET /v1/healthz within 2s"), "\(result.stderr)")
        #expect(took < 20, "took \(took) s")
    }

    @Test("a negative or absurd progress stored for a task does not crash show or list")
    func hostileProgress() throws {
        let daemon = try DaemonFixture()
        let id = try daemon.cli("start", "sleep", "--delay", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        daemon.signal(SIGKILL)
        let database = daemon.home.appendingPathComponent("taskhost.db").path
        for (completed, total) in [(-5, 10), (Int64.max, 1), (5, -10)] {
            let edit = try runCommand(
                "/usr/bin/env", ["sqlite3", database, "UPDATE tasks SET progress_completed = \(completed), progress_total = \(total) WHERE id = '\(id)';"])
            try #require(edit.status == 0, "\(edit.stderr)")
            for command in [["show", id], ["list"]] {
                let result = try daemon.cli(command)
                #expect(result.status == 0, "\(command) with progress \(completed)/\(total): \(result.stderr)")
            }
        }
    }
}
