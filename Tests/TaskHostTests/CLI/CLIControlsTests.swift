import Foundation
import TaskHost
import Testing

/// The controls a pueue or systemd-run user reaches for, with the real binary.
@Suite("the controls people reach for")
struct CLIControlsTests {
    func id(_ result: CommandResult) -> String { result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    func messages(_ result: CommandResult) throws -> [String] {
        try APICoding.decoder.decode(LogPage.self, from: Data(result.stdout.utf8)).lines.map(\.message)
    }

    @Test("logs --tail N (and -n) prints the newest N, --since a window, and -f continues after them")
    func logsTailAndSince() throws {
        let daemon = try DaemonFixture(plugins: [])
        let task = try daemon.exec(["--", "sh", "-c", "for i in 1 2 3 4 5; do echo $i; done; sleep 1; echo 6"])
        #expect(try eventually { try daemon.logEntries(task).count == 5 })
        #expect(try messages(daemon.cli("logs", task, "--tail", "2", "--json")) == ["4", "5"])
        #expect(try messages(daemon.cli("logs", task, "-n", "1", "--json")) == ["5"])
        #expect(try messages(daemon.cli("logs", task, "--limit", "2", "--json")) == ["1", "2"], "--limit stays the oldest N")
        #expect(try messages(daemon.cli("logs", task, "--since", "10m", "--json")) == ["1", "2", "3", "4", "5"])
        let future = try daemon.cli("logs", task, "--since", "2099-01-01T00:00:00Z", "--json")
        #expect(future.stdout.contains(#""lines" : []"#), "\(future.stdout)")
        let followed = try daemon.cli("logs", task, "-n", "2", "-f")
        #expect(followed.status == 0, "\(followed.stderr)")
        #expect(followed.stdout.split(separator: "\n").map { String($0.split(separator: " ").last ?? "") } == ["4", "5", "6"], "\(followed.stdout)")
        let bad = try daemon.cli("logs", task, "--since", "yesterday-ish")
        #expect(bad.status == 2 && bad.stderr.contains("--since 'yesterday-ish' is not a duration"), "\(bad.stderr)")
        #expect(try daemon.cli("logs", task, "--tail", "0").status == 2)
    }

    @Test("list --cursor continues a page, --all reads every page; the hint names the cursor")
    func listPaging() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        var ids: [String] = []
        for _ in 0..<5 { ids.append(id(try daemon.cli("start", "sleep", "-p", "seconds=0"))) }
        let first = try APICoding.decoder.decode(TaskPage.self, from: Data(try daemon.cli("list", "--limit", "2", "--json").stdout.utf8))
        #expect(first.tasks.map(\.id) == Array(ids.reversed().prefix(2)))
        let cursor = try #require(first.nextCursor)
        let second = try APICoding.decoder.decode(
            TaskPage.self, from: Data(try daemon.cli("list", "--limit", "2", "--cursor", String(cursor), "--json").stdout.utf8))
        #expect(second.tasks.map(\.id) == Array(ids.reversed().dropFirst(2).prefix(2)))
        let all = try APICoding.decoder.decode(TaskPage.self, from: Data(try daemon.cli("list", "--all", "--limit", "2", "--json").stdout.utf8))
        #expect(all.tasks.map(\.id) == ids.reversed() && all.nextCursor == nil)
        let text = try daemon.cli("list", "--limit", "2")
        #expect(text.stdout.contains("(more: --cursor \(cursor) for the next page, --all for every task)"), "\(text.stdout)")
        let allText = try daemon.cli("list", "--all", "--limit", "2")
        #expect(allText.stdout.split(separator: "\n").count == 6 && !allText.stdout.contains("more:"), "\(allText.stdout)")
    }

    @Test("schedule add shell takes every exec option; a plugin type refuses them")
    func scheduleShellOptions() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let sub = try daemon.files.temporary.directory("sub")
        var environment = ProcessInfo.processInfo.environment
        environment["TASKHOST_HOME"] = daemon.home.path
        let added = try runCommand(
            "/bin/sh",
            [
                "-c",
                "umask 0022; exec '\(BuildProducts.taskhost.path)' schedule add shell --every 1h --catch-up skip --env GREETING=hi --cwd sub "
                    + "--inherit-env --progress-pattern '([0-9]+)%' --grace 3s --umask 0027 -- sh -c 'echo $GREETING; pwd; umask'",
            ], in: daemon.files.temporary.url, environment: environment)
        #expect(added.status == 0, "\(added.stderr)")
        let schedule = try APICoding.decoder.decode(
            ScheduleRecord.self, from: Data(try daemon.cli("schedule", "show", id(added), "--json").stdout.utf8))
        let values = schedule.parameters.values
        #expect(values["cwd"] == .string(sub.standardized.path))
        #expect(values["umask"] == .string("0027") && (try? schedule.parameters.double("grace")) == 3 && values["inheritEnv"] == .bool(true))
        #expect(values["progressPattern"] == .string("([0-9]+)%") && values["env"] == .string(#"{"GREETING":"hi"}"#))
        let refused = try daemon.cli("schedule", "add", "sleep", "--every", "1h", "--env", "A=b")
        #expect(refused.status == 2 && refused.stderr.contains("are for the shell type only"), "\(refused.stderr)")
    }

    @Test("--delay -5s is out of range, a bare --timeout 5 asks for a unit, for start, exec and schedule add alike")
    func durationWords() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        for arguments in [["start", "sleep"], ["exec"], ["schedule", "add", "sleep", "--every", "1h"]] {
            let tail = arguments == ["exec"] ? ["--", "true"] : []
            if arguments != ["schedule", "add", "sleep", "--every", "1h"] {
                let negative = try daemon.cli(arguments + ["--delay", "-5s"] + tail)
                #expect(negative.status == 2, "\(arguments)")
                #expect(negative.stderr.contains("--delay -5 s is out of range: it must be 0 or more"), "\(arguments): \(negative.stderr)")
            }
            let bare = try daemon.cli(arguments + ["--timeout", "5"] + tail)
            #expect(bare.status == 2, "\(arguments)")
            #expect(bare.stderr.contains("--timeout '5' needs a unit: 5s, 5m or 5h"), "\(arguments): \(bare.stderr)")
        }
        #expect(try daemon.cli("exec", "--grace", "-1s", "--", "true").stderr.contains("--grace '-1s' is out of range: it must be from 0s to 60m"))
        let long = try daemon.cli("exec", "--grace", "2h", "--", "true")
        #expect(long.status == 2 && long.stderr.contains("--grace '2h' is out of range"), "\(long.stderr)")
        #expect(try daemon.cli("list", "--cursor", "-5").stderr.contains("--cursor -5 must be a nextCursor"))
        #expect(try daemon.cli("start", "sleep", "-p", "seconds=0", "--delay", "0").status == 0, "a bare 0 is unambiguous")
    }

    @Test("the start-up banner says what each schedule caught up or skipped while the host was down")
    func bannerCatchUps() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let latest = try daemon.addSchedule(["sleep", "--every", "1s", "-p", "seconds=0", "--name", "ticker", "--catch-up", "all"])
        let skipping = try daemon.addSchedule(["sleep", "--every", "1s", "-p", "seconds=0", "--catch-up", "skip"])
        #expect(try eventually(within: 5) { try daemon.scheduledTasks(latest).count >= 1 })
        daemon.signal(SIGTERM)
        Thread.sleep(forTimeInterval: 8)
        let restarted = try daemon.restarted()
        let lines = restarted.banner.split(separator: "\n").map(String.init)
        let latestLine = try #require(lines.first { $0.contains("schedule  \(latest.prefix(12)) (ticker)") }, "\(restarted.banner)")
        // Every missed firing but the one due now (on time, so not a catch-up) runs.
        #expect(latestLine.contains("missed while down (catch-up all): runs ") && latestLine.contains(" tasks for "), "\(latestLine)")
        #expect(!latestLine.contains("skips"), "\(latestLine)")
        let skipLine = try #require(lines.first { $0.contains("schedule  \(skipping.prefix(12))") }, "\(restarted.banner)")
        #expect(skipLine.contains("(catch-up skip): skips "), "a skip schedule runs none it missed: \(skipLine)")
    }

    @Test("schedule preview and next print the local time beside UTC; --from is exclusive")
    func previewLocalTimes() throws {
        let preview = try runCommand(
            BuildProducts.taskhost.path,
            ["schedule", "preview", "--cron", "30 2 * * *", "--tz", "Europe/Berlin", "--from", "2026-03-28T00:00:00Z", "-n", "3"])
        #expect(
            preview.stdout == """
                2026-03-28T01:30:00Z  2026-03-28T02:30:00+01:00 Europe/Berlin
                2026-03-29T01:00:00Z  2026-03-29T03:00:00+02:00 Europe/Berlin
                2026-03-30T00:30:00Z  2026-03-30T02:30:00+02:00 Europe/Berlin

                """, "\(preview.stdout) \(preview.stderr)")
        let exclusive = try runCommand(
            BuildProducts.taskhost.path, ["schedule", "preview", "--cron", "30 2 * * *", "--tz", "UTC", "--from", "2026-03-28T02:30:00Z", "-n", "1"])
        #expect(exclusive.stdout == "2026-03-29T02:30:00Z\n", "a firing at --from itself is not listed: \(exclusive.stdout)")
        let json = try runCommand(
            BuildProducts.taskhost.path,
            ["schedule", "preview", "--cron", "30 2 * * *", "--tz", "Europe/Berlin", "--from", "2026-03-28T00:00:00Z", "-n", "1", "--json"])
        let list = try APICoding.decoder.decode(FiringList.self, from: Data(json.stdout.utf8))
        #expect(list.timeZone == "Europe/Berlin" && list.firings.map(\.local) == ["2026-03-28T02:30:00+01:00"])

        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let schedule = try daemon.addSchedule(["sleep", "--cron", "0 9 * * *", "--tz", "America/New_York"])
        let next = try daemon.cli("schedule", "next", schedule, "-n", "2")
        #expect(next.stdout.split(separator: "\n").allSatisfy { $0.contains("Z  ") && $0.hasSuffix("America/New_York") }, "\(next.stdout)")
    }
}
