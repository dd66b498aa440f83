import Foundation
import TaskHost
import Testing

/// A task that never reaches a checkpoint gets true answers: its timeout fails it, a restart is
/// kept, and a stop that came too late says so.
@Suite("One truthful state: tasks that never checkpoint")
struct NoCheckpointTests {
    func detail(_ daemon: DaemonFixture, _ id: String) throws -> TaskDetail {
        let show = try daemon.cli("show", id, "--json")
        try #require(show.status == 0, "\(show.stderr)")
        return try APICoding.decoder.decode(TaskDetail.self, from: Data(show.stdout.utf8))
    }

    func id(_ result: CommandResult) -> String { result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    @Test("--timeout fails the attempt at its deadline though the thread still runs; its late outcome is discarded")
    func timeout() throws {
        let daemon = try DaemonFixture()
        let started = Date()
        let run = try daemon.cli("start", "no-checkpoint", "-p", "ms=5000", "--timeout", "1s", "--wait")
        #expect(run.status == 1)
        #expect(Date().timeIntervalSince(started) < 4.5, "took \(Date().timeIntervalSince(started)) s")
        #expect(run.stdout.contains("timed out after 1 s; the thread was still running"), "\(run.stdout)")
        let task = try #require(try daemon.cli("list", "--json").stdout.split(separator: "\"").first { $0.count == 32 }.map(String.init))
        Thread.sleep(forTimeInterval: 5)
        let later = try detail(daemon, task)
        #expect(later.task.status == .failed, "the late outcome was applied: \(later.task.status)")
        #expect(later.task.result == nil)
    }

    @Test("restart of a running task that never checkpoints is kept: it runs again once its thread ends")
    func restartKept() throws {
        let daemon = try DaemonFixture()
        let task = id(try daemon.cli("start", "no-checkpoint", "-p", "ms=1500"))
        Thread.sleep(forTimeInterval: 0.3)
        let restart = try daemon.cli("restart", task)
        #expect(restart.status == 0)
        #expect(restart.stdout.contains("restart requested") && restart.stdout.contains("runs again from the start once this attempt ends"), "\(restart.stdout)")
        #expect(try daemon.cli("wait", task).status == 0)
        let final = try detail(daemon, task)
        #expect(final.task.attempt == 2, "the restart was dropped: attempt \(final.task.attempt)")
        #expect(final.attempts.first?.outcome == "stopped for restart")
    }

    @Test("stop and pause answer that the task has not reached a checkpoint; a stop too late leaves it finished, saying so")
    func lateStop() throws {
        let daemon = try DaemonFixture()
        let task = id(try daemon.cli("start", "no-checkpoint", "-p", "ms=5000"))
        Thread.sleep(forTimeInterval: 1.5)
        let pause = try daemon.cli("pause", task)
        #expect(pause.stdout.contains("pause requested") && pause.stdout.contains("it has not reached a checkpoint for"), "\(pause.stdout)")
        let stop = try daemon.cli("stop", task)
        #expect(stop.stdout.contains("stop requested") && stop.stdout.contains("has not reached a checkpoint"), "\(stop.stdout)")
        _ = try daemon.cli("wait", task)
        let final = try detail(daemon, task)
        #expect(final.task.status == .finished)
        #expect(final.task.notice == "a stop was requested but the task finished before reaching a checkpoint; its result is kept")
    }
}
