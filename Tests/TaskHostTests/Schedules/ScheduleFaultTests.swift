import Foundation
import TaskHost
import Testing

/// Schedules when things go wrong: a pause racing a firing, broken stored rows, a long outage,
/// overlap queue, and the status counts a batch insert maintains.
@Suite("Schedules: faults")
struct ScheduleFaultTests {
    func sqlite(_ daemon: DaemonFixture, _ sql: String) throws -> String {
        let result = try runCommand("/usr/bin/env", ["sqlite3", daemon.home.appendingPathComponent("taskhost.db").path, sql])
        try #require(result.status == 0, "sqlite3: \(result.stderr)")
        return result.stdout
    }

    @Test("30 schedules every second, all paused while they fire: none fires after the pause")
    func pauseRacingFirings() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        var ids: [String] = []
        for _ in 0..<30 { ids.append(try daemon.addSchedule(["sleep", "--every", "1s", "-p", "seconds=0", "--overlap", "allow"])) }
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try daemon.cli(["schedule", "pause"] + ids).status == 0)
        Thread.sleep(forTimeInterval: 1.2)
        let counts = try ids.map { try daemon.scheduledTasks($0).count }
        Thread.sleep(forTimeInterval: 2.5)
        #expect(try ids.map { try daemon.scheduledTasks($0).count } == counts, "a paused schedule fired")
        #expect(try sqlite(daemon, "SELECT count(*) FROM schedules WHERE paused = 1;").trimmingCharacters(in: .whitespacesAndNewlines) == "30")
    }

    @Test("a firing whose time already has its task (the storage reports a conflict, not a message to match) is skipped past, and the schedule goes on")
    func firingConflict() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let schedule = try daemon.addSchedule(["sleep", "--every", "3s", "-p", "seconds=0"])
        #expect(try eventually(within: 10) { try daemon.scheduledTasks(schedule).count == 1 })
        daemon.signal(SIGTERM)
        // The one task claims the schedule's next firing time, so that firing meets the unique index.
        _ = try sqlite(daemon, """
            UPDATE tasks SET scheduled_for = (SELECT next_at FROM schedules WHERE id = '\(schedule)') WHERE schedule_id = '\(schedule)';
            """)
        let claimed = try #require(Double(try sqlite(daemon, "SELECT next_at FROM schedules WHERE id = '\(schedule)';")
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        let restarted = try daemon.restarted()
        #expect(try eventually(within: 15) {
            try restarted.scheduledTasks(schedule).contains { ($0.scheduledFor?.timeIntervalSince1970 ?? 0) > claimed }
        }, "the schedule fired again after the conflicting time")
        let times = try restarted.scheduledTasks(schedule).compactMap(\.scheduledFor)
        #expect(Set(times).count == times.count, "no firing time has two tasks: \(times)")
        #expect(try restarted.cli("health").status == 0)
    }

    @Test("a stored next firing of -1e300 and an unknown time zone neither stop the host; the first fires, the second can be removed")
    func brokenRows() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let nan = try daemon.addSchedule(["sleep", "--every", "1s", "-p", "seconds=0"])
        let zone = try daemon.addSchedule(["sleep", "--cron", "0 3 * * *", "--tz", "Europe/Berlin", "-p", "seconds=0"])
        daemon.signal(SIGTERM)
        _ = try sqlite(daemon, """
            UPDATE schedules SET next_at = -1e300 WHERE id = '\(nan)';
            UPDATE schedules SET timing = replace(timing, 'Europe/Berlin', 'Mars/Olympus') WHERE id = '\(zone)';
            """)
        let restarted = try daemon.restarted()
        let before = try restarted.scheduledTasks(nan).count
        #expect(try eventually(within: 5) { try restarted.scheduledTasks(nan).count > before }, "the repaired schedule fires")
        let shown = try restarted.cli("schedule", "show", zone)
        #expect(shown.status == 1 && shown.stderr.contains("cannot be read") && shown.stderr.contains("schedule rm"), "\(shown.stderr)")
        #expect(try restarted.cli("schedule", "rm", zone).status == 0)
        #expect(try restarted.cli("schedule", "show", zone).stderr.contains("no schedule"))
    }

    @Test("overlap queue: a task longer than the interval never runs beside the next one")
    func overlapQueue() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let schedule = try daemon.addSchedule(["sleep", "--every", "1s", "-p", "seconds=1.6", "--overlap", "queue"])
        Thread.sleep(forTimeInterval: 6.5)
        #expect(try daemon.cli("schedule", "pause", schedule).status == 0)
        let tasks = try daemon.scheduledTasks(schedule).filter { $0.startedAt != nil }
        #expect(tasks.count >= 2)
        let spans = tasks.compactMap { task in task.startedAt.map { ($0, task.finishedAt ?? .distantFuture) } }.sorted { $0.0 < $1.0 }
        for (earlier, later) in zip(spans, spans.dropFirst()) {
            #expect(later.0 >= earlier.1.addingTimeInterval(-0.05), "two tasks of a queue schedule ran at once: \(earlier) \(later)")
        }
    }

    @Test("a cron schedule down for 100 days runs its latest firing, quickly")
    func longCronOutage() throws {
        let timing = try ScheduleTiming(cron: "* * * * *", timeZone: "UTC")
        let now = Date(timeIntervalSince1970: 1_800_000_030)
        let due = now.addingTimeInterval(-100 * 86_400).addingTimeInterval(-30)
        let started = ContinuousClock.now
        let plan = FiringPlan.make(timing: timing, due: due, now: now, catchUp: .latest, maxCatchUp: 100)
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(plan.fire == [Date(timeIntervalSince1970: 1_800_000_000)], "\(plan.fire.map(ScheduleTiming.iso))")
        #expect(plan.missed >= 20_000)
        #expect(plan.next == Date(timeIntervalSince1970: 1_800_000_060))
    }

    @Test("status counts kept by the insert match count(*) after batches, idempotency hits and at-once starts")
    func countsStayTrue() throws {
        let daemon = try DaemonFixture(http: true, plugins: ["Sleep"])
        let port = try #require(daemon.port)
        let keyed = #"{"type":"sleep","options":{"delaySeconds":3600,"idempotencyKey":"same"}}"#
        let body = Data(#"{"tasks":[\#(keyed),\#(keyed),{"type":"sleep","parameters":{"seconds":0}}]}"#.utf8)
        for _ in 0..<2 { _ = try RawHTTP.request(port: port, "POST", "/v1/tasks/batch", token: daemon.token, body: body) }
        for _ in 0..<5 { _ = try daemon.cli("start", "sleep", "-p", "seconds=0") }
        _ = try daemon.cli("start", "sleep", "--key", "same")
        Thread.sleep(forTimeInterval: 1)
        let kept = try sqlite(daemon, "SELECT status || '=' || count FROM task_counts WHERE count != 0 ORDER BY status;")
        let real = try sqlite(daemon, "SELECT status || '=' || count(*) FROM tasks GROUP BY status ORDER BY status;")
        #expect(kept == real, "kept \(kept) real \(real)")
    }
}
