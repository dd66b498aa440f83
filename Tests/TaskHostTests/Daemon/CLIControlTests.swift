import Foundation
import TaskHost
import Testing

/// The real daemon driven by the real CLI: outputs and exit codes.
@Suite("taskhost CLI against a running host")
struct CLIControlTests {
    func id(_ result: CommandResult) -> String { result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    @Test("start, list, show, wait, logs: human and JSON output, exit codes from the outcome")
    func startListShowWait() throws {
        let daemon = try DaemonFixture()
        let start = try daemon.cli("start", "sleep", "-p", "seconds=0.3", "-p", "steps-per-second=20", "--name", "nap", "--tag", "team=infra")
        #expect(start.status == 0, "\(start.stderr)")
        let task = id(start)
        #expect(task.count == 32)

        let list = try daemon.cli("list")
        #expect(list.status == 0)
        #expect(list.stdout.hasPrefix("ID"))
        #expect(list.stdout.contains(String(task.prefix(12))) && list.stdout.contains("nap"))

        let wait = try daemon.cli("wait", String(task.prefix(8)))
        #expect(wait.status == 0)
        #expect(wait.stdout.contains("finished"))
        #expect(wait.stdout.contains(#"{"resumedFromStep":0,"steps":6}"#))

        let show = try daemon.cli("show", String(task.prefix(6)))
        #expect(show.status == 0)
        #expect(show.stdout.contains("status      finished"))
        #expect(show.stdout.contains("tags        team=infra"))
        let json = try daemon.cli("show", task, "--json")
        try #require(json.status == 0, "show --json: \(json.stderr) \(json.stdout)")
        let detail = try APICoding.decoder.decode(TaskDetail.self, from: Data(json.stdout.utf8))
        #expect(detail.task.status == .finished)
        #expect(detail.attempts.count == 1)

        let filtered = try daemon.cli("list", "--tag", "team=infra", "--status", "finished", "--json")
        try #require(filtered.status == 0, "list --json: \(filtered.stderr) \(filtered.stdout)")
        let page = try APICoding.decoder.decode(TaskPage.self, from: Data(filtered.stdout.utf8))
        #expect(page.tasks.map(\.id) == [task])

        let failing = id(try daemon.cli("start", "flaky", "-p", "failures=3", "--retries", "0"))
        let waitFailed = try daemon.cli("wait", failing)
        #expect(waitFailed.status == 1)
        #expect(waitFailed.stdout.contains("failed: planned failure 1 of 3"))
        let logs = try daemon.cli("logs", failing)
        #expect(logs.status == 0)
        #expect(logs.stdout.contains("WARNING attempt 1: failing on purpose"))

        let started = try daemon.cli("start", "sleep", "-p", "seconds=0.2", "--wait")
        #expect(started.status == 0)
        #expect(started.stdout.contains("finished"))
    }

    @Test("pause, resume, stop, restart, rm from the terminal; illegal ones exit 1 with the reason")
    func control() throws {
        let daemon = try DaemonFixture()
        let task = id(try daemon.cli("start", "sleep", "-p", "seconds=30", "-p", "steps-per-second=50"))
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try daemon.cli("pause", task).status == 0)
        #expect(FixturePolling.eventually { (try? daemon.cli("show", task).stdout.contains("status      paused")) ?? false })
        let again = try daemon.cli("pause", task)
        #expect(again.status == 1)
        #expect(again.stderr.contains("is paused; only pending or running tasks can be paused [illegal_transition]"))
        #expect(try daemon.cli("resume", task).status == 0)
        let stop = try daemon.cli("stop", task)
        #expect(stop.status == 0)
        #expect(FixturePolling.eventually { (try? daemon.cli("show", task).stdout.contains("status      stopped")) ?? false })
        let restart = try daemon.cli("restart", task)
        #expect(restart.status == 0)
        #expect(restart.stdout.contains("restarted"))
        _ = try daemon.cli("stop", task)
        #expect(FixturePolling.eventually { (try? daemon.cli("show", task).stdout.contains("status      stopped")) ?? false })
        let removed = try daemon.cli("rm", task)
        #expect(removed.status == 0)
        let gone = try daemon.cli("show", task)
        #expect(gone.status == 1)
        #expect(gone.stderr.contains("no task with id"))

        let audit = try daemon.cli("audit")
        for action in ["submit", "pause", "resume", "stop", "restart", "delete"] { #expect(audit.stdout.contains(action)) }
        #expect(audit.stdout.contains("cli ("))
    }

    @Test("unknown id, ambiguous prefix, bad parameters and bad usage")
    func errors() throws {
        let daemon = try DaemonFixture()
        let unknown = try daemon.cli("pause", "abcdef0123")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no task with id 'abcdef0123'"))

        var ids: [String] = []
        for _ in 0..<40 {
            let started = try daemon.cli("start", "sleep", "--delay", "1h")
            try #require(started.status == 0, "start: \(started.stderr)")
            ids.append(id(started))
        }
        let shared = try #require(Dictionary(grouping: ids, by: { $0.prefix(1) }).first { $0.value.count > 1 })
        let ambiguous = try daemon.cli("show", String(shared.key))
        #expect(ambiguous.status == 1)
        #expect(ambiguous.stderr.contains("matches") && ambiguous.stderr.contains("[ambiguous_id]"), "\(ambiguous.stderr)")

        let bad = try daemon.cli("start", "sleep", "-p", "seconds=soon", "-p", "colour=red")
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("unknown parameter 'colour'"))
        #expect(bad.stderr.contains("parameter 'seconds': expected a number, got 'soon'"))
        let unknownType = try daemon.cli("start", "nope")
        #expect(unknownType.status == 1)
        #expect(unknownType.stderr.contains("unknown task type 'nope'"))

        let usage = try daemon.cli("start")
        #expect(usage.status == 2)
        let badDuration = try daemon.cli("start", "sleep", "--delay", "soonish")
        #expect(badDuration.status == 2)
        #expect(badDuration.stderr.contains("--delay 'soonish' is not a duration"))
        let help = try daemon.cli("start", "--help")
        #expect(help.status == 0)
        #expect(help.stdout.contains("Examples:"))
        let completion = try daemon.cli("--generate-completion-script", "bash")
        #expect(completion.status == 0 && completion.stdout.contains("taskhost"))
    }

    @Test("no host running: control exits 3 saying how to start one; list, show and logs read the database")
    func hostNotRunning() throws {
        let daemon = try DaemonFixture()
        let task = id(try daemon.cli("start", "flaky", "-p", "failures=0"))
        _ = try daemon.cli("wait", task)
        daemon.signal(SIGTERM)

        let pause = try daemon.cli("pause", task)
        #expect(pause.status == 3)
        #expect(pause.stderr.contains("no taskhost is running") && pause.stderr.contains("taskhost serve"))
        let list = try daemon.cli("list")
        #expect(list.status == 0)
        #expect(list.stdout.contains(String(task.prefix(12))))
        #expect(list.stderr.contains("reading"))
        #expect(try daemon.cli("show", task).stdout.contains("finished"))
        #expect(try daemon.cli("logs", task).status == 0)
    }

    @Test("types and plugins from the running host; rescan picks up a new file")
    func typesAndPlugins() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        #expect(try daemon.cli("types").stdout.contains("sleep"))
        let plugins = try daemon.cli("plugins", "--json")
        let report = try JSONDecoder().decode(PluginScanReport.self, from: Data(plugins.stdout.utf8))
        #expect(report.loaded.map(\.name) == ["sleep"])
        try daemon.files.add("Flaky")
        let rescan = try daemon.cli("plugins", "rescan")
        #expect(rescan.status == 0)
        #expect(rescan.stdout.contains("flaky"))
        #expect(try daemon.cli("types").stdout.contains("flaky"))
    }

    @Test("run: one task in the foreground without a host")
    func runForeground() throws {
        let files = try LoaderFixture()
        try files.add("Sleep")
        let result = try runCommand(
            BuildProducts.taskhost.path, ["run", "sleep", "-p", "seconds=0.2", "--plugins", files.plugins.path, "--json"],
            in: files.temporary.url)
        #expect(result.status == 0, "\(result.stderr)")
        let record = try APICoding.decoder.decode(TaskRecord.self, from: Data(result.stdout.utf8))
        #expect(record.status == .finished)
    }
}

/// Polling for the CLI tests.
enum FixturePolling {
    static func eventually(_ timeout: TimeInterval = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }
}
