import Foundation
import TaskHost
import Testing

/// Far-future dates and huge durations used to kill the host in the scheduler's timed wait, and
/// again on every restart since the row was stored first. Each is now refused where it enters.
@Suite("Hostile input: dates and durations")
struct DateInputTests {
    @Test("the CLI refuses --at 3026, --delay 9999999999d and a huge --timeout with exit 2, naming the flag and range")
    func cliRefuses() throws {
        let daemon = try DaemonFixture()
        for arguments in [["--at", "3026-01-01T00:00:00Z"], ["--delay", "9999999999d"], ["--timeout", "1e300"], ["--delay", "inf"]] {
            let result = try daemon.cli(["start", "sleep"] + arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(arguments[0]), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("out of range") || result.stderr.contains("not a duration"), "\(result.stderr)")
        }
        let health = try daemon.cli("list")
        #expect(health.status == 0 && daemon.process.isRunning)
    }

    @Test("the API answers 400 naming delaySeconds, runAt, timeoutSeconds and backoff; the host keeps running")
    func apiRefuses() throws {
        let daemon = try DaemonFixture(http: true)
        let port = try #require(daemon.port)
        let bodies: [(String, String)] = [
            (#"{"type":"sleep","options":{"delaySeconds":1e300}}"#, "delaySeconds"),
            (#"{"type":"sleep","options":{"runAt":"3026-01-01T00:00:00Z"}}"#, "runAt"),
            (#"{"type":"sleep","options":{"timeoutSeconds":-1}}"#, "timeoutSeconds"),
            (#"{"type":"sleep","options":{"backoff":{"baseSeconds":1e300,"factor":2,"capSeconds":5}}}"#, "backoff.baseSeconds"),
        ]
        for (body, field) in bodies {
            let (status, answer) = try RawHTTP.request(port: port, "POST", "/v1/tasks", token: daemon.token, body: Data(body.utf8))
            #expect(status == 400, "\(body): \(answer)")
            #expect(answer.contains(field) && answer.contains("out of range"), "\(answer)")
        }
        let (ok, _) = try RawHTTP.request(port: port, "GET", "/v1/healthz", token: daemon.token)
        #expect(ok == 200)
    }

    @Test("the embedding API refuses the same values with invalidOption")
    func embeddingRefuses() throws {
        let fixture = try ManagerFixture()
        let far = Date().addingTimeInterval(TimeBounds.maxSeconds * 2)
        #expect(throws: TaskHostError.self) { try fixture.manager.submit(type: "probe", parameters: [:], options: SubmitOptions(runAt: far)) }
        #expect(throws: TaskHostError.self) {
            try fixture.manager.submit(type: "probe", parameters: [:], options: SubmitOptions(delaySeconds: .infinity))
        }
        #expect(throws: TaskHostError.self) {
            try fixture.manager.submit(type: "probe", parameters: [:], options: SubmitOptions(timeoutSeconds: .nan))
        }
    }

    @Test("a stored row no submit accepts (hand edit, older version) is failed at start-up, and the host runs")
    func invalidRowFailedAtStartup() throws {
        let daemon = try DaemonFixture()
        let delayed = try daemon.cli("start", "sleep", "--delay", "1h").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let timed = try daemon.cli("start", "sleep", "--delay", "1h", "--timeout", "5s").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        daemon.signal(SIGKILL)
        let database = daemon.home.appendingPathComponent("taskhost.db").path
        let edit = try runCommand(
            "/usr/bin/env",
            ["sqlite3", database, "UPDATE tasks SET run_at = 1e300 WHERE id = '\(delayed)'; UPDATE tasks SET timeout = -5 WHERE id = '\(timed)';"])
        try #require(edit.status == 0, "sqlite3: \(edit.stderr)")
        let restarted = try daemon.restarted()
        for id in [delayed, timed] {
            let show = try restarted.cli("show", id, "--json")
            try #require(show.status == 0, "\(show.stderr)")
            let detail = try APICoding.decoder.decode(TaskDetail.self, from: Data(show.stdout.utf8))
            #expect(detail.task.status == .failed)
            #expect(detail.task.error?.message.contains("failed at start-up: the stored task is invalid") == true, "\(detail.task.error?.message ?? "")")
        }
        // It stays up, and a second restart does not trip on the failed rows either.
        Thread.sleep(forTimeInterval: 0.3)
        #expect(restarted.process.isRunning)
        #expect(try restarted.cli("start", "sleep", "-p", "seconds=0.1", "--wait").status == 0)
    }

    @Test("durations and dates: table of accepted and refused values")
    func bounds() {
        #expect(TimeBounds.durationProblem(0, field: "d", allowZero: true) == nil)
        #expect(TimeBounds.durationProblem(0, field: "d", allowZero: false) != nil)
        #expect(TimeBounds.durationProblem(TimeBounds.maxSeconds, field: "d", allowZero: false) == nil)
        for bad in [Double.nan, .infinity, -.infinity, -1, TimeBounds.maxSeconds + 1, 1e300] {
            #expect(TimeBounds.durationProblem(bad, field: "d", allowZero: true)?.contains("d ") == true)
        }
        let now = Date()
        #expect(TimeBounds.dateProblem(now.addingTimeInterval(-86_400), field: "at", now: now) == nil)
        #expect(TimeBounds.dateProblem(now.addingTimeInterval(TimeBounds.maxSeconds + 60), field: "at", now: now) != nil)
        #expect(TimeBounds.dateProblem(Date(timeIntervalSince1970: .infinity), field: "at", now: now) != nil)
    }
}
