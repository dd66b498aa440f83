import Foundation
import TaskHost
import Testing

/// A thread-mode task that kills the host and asked to be requeued used to kill it on every start.
@Suite("Hostile input: crash loops and saved state")
struct CrashLoopTests {
    @Test("a task running during 2 consecutive host deaths is failed as a suspect, named in the banner and the audit")
    func crashLoopStops() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep", "TestTasksFixture"])
        let start = try daemon.cli("start", "host-crasher", "-p", "ms=300")
        try #require(start.status == 0, "\(start.stderr)")
        let id = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try waitForDeath(daemon)

        // First restart: requeued (one death), runs again, kills the host again.
        let second = try daemon.restarted()
        #expect(second.banner.contains("1 requeued"), "\(second.banner)")
        try waitForDeath(second)

        // Second restart: the rule applies; the host stays up.
        let third = try daemon.restarted()
        #expect(third.banner.contains("\(id) (host-crasher): suspected of crashing the host (2 host deaths while it ran)"), "\(third.banner)")
        Thread.sleep(forTimeInterval: 1)
        #expect(third.process.isRunning)
        let show = try third.cli("show", id, "--json")
        let detail = try APICoding.decoder.decode(TaskDetail.self, from: Data(show.stdout.utf8))
        #expect(detail.task.status == .failed)
        #expect(detail.task.error?.message.hasPrefix("suspected of crashing the host (2 host deaths while it ran)") == true)
        #expect(detail.attempts.allSatisfy { $0.error == "the host died while it ran" }, "\(detail.attempts)")
        let audit = try third.cli("audit")
        #expect(audit.stdout.contains("suspect"), "\(audit.stdout)")

        // Restarting the suspect is the user's "try again": one more death is one, not three.
        #expect(try third.cli("restart", id).status == 0)
        try waitForDeath(third)
        let fourth = try daemon.restarted()
        #expect(fourth.banner.contains("1 requeued") && !fourth.banner.contains("suspected"), "\(fourth.banner)")
        try waitForDeath(fourth)
    }

    @Test("a task cut off by one host death says the host died, not that it stopped; a clean attempt resets the count")
    func oneDeathIsInterrupted() throws {
        let daemon = try DaemonFixture()
        let id = try daemon.cli("start", "sleep", "-p", "seconds=30").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try waitForStatus(daemon, id, "running")
        daemon.signal(SIGKILL)
        let restarted = try daemon.restarted()
        let show = try restarted.cli("show", id)
        #expect(show.stdout.contains("interrupted: the host died while it ran (crash or kill, not a clean shutdown)"), "\(show.stdout)")
        // An attempt that ends with the host alive (here: stopped) resets the count, so a later
        // single death does not make it a suspect.
        #expect(try restarted.cli("resume", id).status == 0)
        try waitForStatus(restarted, id, "running")
        #expect(try restarted.cli("stop", id).status == 0)
        #expect(try restarted.cli("wait", id).status == 1)
        #expect(try restarted.cli("restart", id).status == 0)
        try waitForStatus(restarted, id, "running")
        restarted.signal(SIGKILL)
        let again = try restarted.restarted()
        #expect(!again.banner.contains("suspected"), "\(again.banner)")
        #expect(again.banner.contains("1 interrupted"), "\(again.banner)")
    }

    @Test("saved state that no longer decodes: a warning in the log and the audit, and show says the attempt started fresh")
    func undecodableSavedState() throws {
        let daemon = try DaemonFixture(plugins: ["TestTasksFixture"])
        let run = try daemon.cli("start", "state-shift", "--wait", "--json")
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.contains(#"startedFresh":true"#) || run.stdout.contains(#"\"startedFresh\":true"#), "\(run.stdout)")
        let id = try #require(try daemon.cli("list", "--json").stdout.split(separator: "\"").dropFirst().first { $0.count == 32 }.map(String.init))
        let show = try daemon.cli("show", id)
        #expect(show.stdout.contains("note"), "\(show.stdout)")
        #expect(show.stdout.contains("attempt 2: the saved state could not be decoded, so this attempt started fresh"), "\(show.stdout)")
        #expect(show.stdout.contains("cursor"), "the decoder's message names the missing key: \(show.stdout)")
        let logs = try daemon.cli("logs", id)
        #expect(logs.stdout.contains("WARNING the saved state could not be decoded"), "\(logs.stdout)")
        #expect(try daemon.cli("audit").stdout.contains("state_dropped"))
    }

    private func waitForStatus(_ daemon: DaemonFixture, _ id: String, _ status: String) throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let show = try daemon.cli("show", id, "--json")
            if (try? APICoding.decoder.decode(TaskDetail.self, from: Data(show.stdout.utf8)))?.task.status.rawValue == status { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("task \(id) never became \(status)")
    }

    private func waitForDeath(_ daemon: DaemonFixture) throws {
        let deadline = Date().addingTimeInterval(60)
        while daemon.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        try #require(!daemon.process.isRunning, "the crasher did not bring the host down")
    }
}
