import Foundation
import TaskHost
import Testing

/// Schedules through the real binary: firings marked on their tasks, catch-up after a SIGKILL,
/// pause, refusals at add time, overlap, and exactly-once across host kills.
@Suite("Schedules with the real host")
struct ScheduleDaemonTests {
    @Test("an every-2s schedule marks its tasks; after a SIGKILL and 5 s down it catches up once, no duplicate scheduledFor")
    func catchUpAfterKill() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let schedule = try daemon.addSchedule(["sleep", "--every", "2s", "-p", "seconds=0"])
        #expect(try eventually(within: 10) { try daemon.scheduledTasks(schedule).count >= 2 })
        for task in try daemon.scheduledTasks(schedule) {
            #expect(task.source == .scheduled && task.schedule == schedule && task.scheduledFor != nil)
            let seconds = try #require(task.scheduledFor).timeIntervalSince1970
            #expect(seconds.truncatingRemainder(dividingBy: 2) == 0, "aligned to the clock: \(seconds)")
        }
        let manual = try daemon.cli("start", "sleep", "-p", "seconds=0").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try daemon.detail(manual).task.source == .manual)
        daemon.signal(SIGKILL)
        let before = try daemon.scheduledTasks(schedule)
        let lastBefore = try #require(before.compactMap(\.scheduledFor).max())
        Thread.sleep(forTimeInterval: 5)
        let restarted = try daemon.restarted()
        #expect(try eventually(within: 10) { try restarted.scheduledTasks(schedule).count >= before.count + 2 })
        let after = try restarted.scheduledTasks(schedule)
        let times = after.compactMap(\.scheduledFor)
        #expect(Set(times).count == times.count, "no duplicate scheduledFor")
        // The firings missed while down ran once, as one task (catch-up latest): from the last before the
        // kill to the first on-time one after, at most one task per gap of more than 2 s.
        let sorted = times.sorted().filter { $0 > lastBefore }
        let gaps = zip(sorted, sorted.dropFirst()).filter { $1.timeIntervalSince($0) > 2.5 }
        #expect(gaps.count <= 1)
        let catchUp = try restarted.cli("schedule", "show", schedule)
        #expect(catchUp.stdout.contains("missed while the host was down"), "\(catchUp.stdout)")
    }

    @Test("a paused schedule fires nothing; resumed, it goes on from its next firing")
    func pausedFiresNothing() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let schedule = try daemon.addSchedule(["sleep", "--every", "1s", "-p", "seconds=0"])
        #expect(try daemon.cli("schedule", "pause", schedule).status == 0)
        let count = try daemon.scheduledTasks(schedule).count
        Thread.sleep(forTimeInterval: 2.5)
        #expect(try daemon.scheduledTasks(schedule).count == count)
        let shown = try daemon.cli("schedule", "show", schedule, "--json")
        #expect(try APICoding.decoder.decode(ScheduleRecord.self, from: Data(shown.stdout.utf8)).paused)
        #expect(try daemon.cli("schedule", "resume", schedule).status == 0)
        #expect(try eventually(within: 5) { try daemon.scheduledTasks(schedule).count > count })
        let next = try daemon.cli("schedule", "next", schedule, "-n", "3", "--json")
        let times = try JSONDecoder().decode(FiringList.self, from: Data(next.stdout.utf8)).firings.map(\.at)
        #expect(times.count == 3 && times.allSatisfy { $0.hasSuffix("Z") })
        #expect(try daemon.cli("schedule", "rm", schedule).status == 0)
        #expect(try daemon.cli("schedule", "show", schedule).status == 1)
    }

    @Test("bad expressions, zones, parameters and options are refused at add, naming what is wrong")
    func refusals() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        for (arguments, expected) in [
            (["sleep", "--cron", "61 * * * *"], "minute 61 is out of range 0-59"),
            (["sleep", "--cron", "0 25 * * *"], "hour 25"),
            (["sleep", "--cron", "0 0 30 2 *"], "never fires"),
            (["sleep", "--cron", "* * *"], "expected 5 fields"),
            (["sleep", "--cron", "0 9 * * *", "--tz", "Mars/Base"], "unknown time zone 'Mars/Base'"),
            (["sleep", "--every", "10m", "--cron", "0 * * * *"], "not both"),
            (["sleep"], "--cron"),
            (["sleep", "--every", "1s", "-p", "seconds=abc"], "seconds"),
            (["sleep", "--every", "1s", "-p", "nonsense=1"], "nonsense"),
            (["no-such-type", "--every", "1s"], "unknown task type"),
            (["sleep", "--every", "1s", "--catch-up", "sometimes"], "--catch-up"),
        ] {
            let result = try daemon.cli(["schedule", "add"] + arguments)
            #expect(result.status != 0 && result.stderr.contains(expected), "\(arguments): \(result.status) \(result.stderr)")
        }
        let preview = try daemon.cli("schedule", "preview", "--cron", "0 9 * * MON-FRI", "--tz", "UTC", "--from", "2026-12-04T10:00:00Z", "-n", "2", "--json")
        let firings = try JSONDecoder().decode(FiringList.self, from: Data(preview.stdout.utf8))
        #expect(firings.firings.map(\.at) == ["2026-12-07T09:00:00Z", "2026-12-08T09:00:00Z"])
        #expect(try daemon.cli("schedule", "list", "--json").stdout.contains(#""schedules" : []"#))
    }

    @Test("overlap skip: while the previous task runs, firings are skipped and the skip is recorded")
    func overlapSkip() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let schedule = try daemon.addSchedule(["sleep", "--every", "1s", "-p", "seconds=30"])
        #expect(try eventually(within: 5) { try daemon.scheduledTasks(schedule).count == 1 })
        Thread.sleep(forTimeInterval: 2.5)
        #expect(try daemon.scheduledTasks(schedule).count == 1, "no second task while the first runs")
        let shown = try APICoding.decoder.decode(ScheduleRecord.self, from: Data(try daemon.cli("schedule", "show", schedule, "--json").stdout.utf8))
        #expect(shown.skipped >= 2 && shown.lastSkip?.contains("had not ended") == true, "\(shown)")
        #expect(try daemon.cli("audit").stdout.contains("schedule_skip"))
    }

    @Test("exactly once across host SIGKILLs: a 1 s schedule with catch-up all has one task per second, none twice")
    func exactlyOnceAcrossKills() throws {
        var daemon = try DaemonFixture(plugins: ["Sleep"])
        let schedule = try daemon.addSchedule(["sleep", "--every", "1s", "-p", "seconds=0", "--catch-up", "all", "--overlap", "allow"])
        for round in 0..<5 {
            Thread.sleep(forTimeInterval: Double.random(in: 0.3...1.7))
            daemon.signal(SIGKILL)
            if round.isMultiple(of: 2) { Thread.sleep(forTimeInterval: Double.random(in: 0...1.5)) }
            daemon = try daemon.restarted()
        }
        Thread.sleep(forTimeInterval: 1.5)
        let times = try daemon.scheduledTasks(schedule).compactMap(\.scheduledFor).map(\.timeIntervalSince1970).sorted()
        #expect(Set(times).count == times.count, "duplicates: \(times.count - Set(times).count)")
        let first = try #require(times.first), last = try #require(times.last)
        let expected = Int(last - first) + 1
        #expect(times.count == expected, "misses: \(expected - times.count) of \(expected)")
    }

    @Test("the API adds, lists, pauses and removes schedules, and schedule changes appear in the event stream")
    func api() throws {
        let daemon = try DaemonFixture(http: true, plugins: ["Sleep"])
        let port = try #require(daemon.port)
        let events = try RawHTTP(port: port)
        events.send("GET", "/v1/events", token: daemon.token)
        let body = Data(#"{"type":"sleep","parameters":{"seconds":0},"cron":"*/1 * * * * *","timeZone":"UTC","name":"api"}"#.utf8)
        let (status, text) = try RawHTTP.request(port: port, "POST", "/v1/schedules", token: daemon.token, body: body)
        #expect(status == 201, "\(text)")
        let schedule = try APICoding.decoder.decode(ScheduleRecord.self, from: Data(text.utf8))
        let (paused, _) = try RawHTTP.request(port: port, "POST", "/v1/schedules/\(schedule.id)/pause", token: daemon.token)
        #expect(paused == 200)
        let (listed, list) = try RawHTTP.request(port: port, "GET", "/v1/schedules", token: daemon.token)
        #expect(listed == 200 && list.contains(schedule.id))
        let (removed, _) = try RawHTTP.request(port: port, "DELETE", "/v1/schedules/\(schedule.id)", token: daemon.token)
        #expect(removed == 200)
        let (missing, _) = try RawHTTP.request(port: port, "GET", "/v1/schedules/\(schedule.id)", token: daemon.token)
        #expect(missing == 404)
        let (bad, badText) = try RawHTTP.request(
            port: port, "POST", "/v1/schedules", token: daemon.token, body: Data(#"{"type":"sleep","cron":"0 0 31 4 *"}"#.utf8))
        #expect(bad == 400 && badText.contains("never fires"), "\(badText)")
        let stream = events.read { $0.contains("\"change\":\"removed\"") || $0.contains("\"change\" : \"removed\"") }
        #expect(stream.contains("event: schedule") && stream.contains("added") && stream.contains("paused"))
    }
}
