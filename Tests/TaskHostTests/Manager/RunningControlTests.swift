import Foundation
import TaskHost
import TaskKit
import Testing

@Suite("Controlling running tasks: pause, resume, stop, restart, timeout")
struct RunningControlTests {
    @Test("pause freezes progress (no change over 400 ms) and resume continues from the same step")
    func pauseFreezesAndResumeContinues() throws {
        let fixture = try ManagerFixture()
        let id = try fixture.submit("sleep", ["seconds": "3", "steps-per-second": "100"])
        #expect(fixture.eventually { ((try? fixture.progress(id)) ?? 0) >= 10 })
        try fixture.manager.pause(id)
        let paused = try fixture.waitFor(id, .paused)
        #expect(paused.attempt == 1)
        // Let the last progress reach the store, then watch it stand still.
        Thread.sleep(forTimeInterval: 0.3)
        let frozen = try fixture.progress(id)
        Thread.sleep(forTimeInterval: 0.4)
        #expect(try fixture.progress(id) == frozen)
        #expect(try fixture.record(id).status == .paused)

        try fixture.manager.resume(id)
        #expect(fixture.eventually { ((try? fixture.progress(id)) ?? 0) > frozen })
        let after = try fixture.progress(id)
        #expect(after > frozen && after < frozen + 100, "resumed at \(after), paused at \(frozen)")
        let record = try fixture.manager.waitUntilFinished(id, timeout: .seconds(10))
        #expect(record.status == .finished)
        // Same thread, same attempt: the task never restarted from step 0.
        #expect(record.attempt == 1)
        #expect(record.result == #"{"resumedFromStep":0,"steps":300}"#)
        #expect(try fixture.store.attempts(id).count == 1)
    }

    @Test("a paused task does not hold a slot")
    func pausedTaskFreesSlot() throws {
        let fixture = try ManagerFixture(maxRunning: 1)
        let first = try fixture.submit("sleep", ["seconds": "5", "steps-per-second": "100"])
        _ = try fixture.waitFor(first, .running)
        let second = try fixture.submit("sleep", ["seconds": "0.05", "steps-per-second": "100"])
        Thread.sleep(forTimeInterval: 0.2)
        #expect(try fixture.record(second).status == .pending)
        try fixture.manager.pause(first)
        #expect(try fixture.manager.waitUntilFinished(second, timeout: .seconds(10)).status == .finished)
        try fixture.manager.stop(first)
        _ = try fixture.waitFor(first, .stopped)
    }

    @Test("stop of a running task throws at its next checkpoint; post sees .stopped")
    func stopRunning() throws {
        let fixture = try ManagerFixture()
        let id = try fixture.submit("hooks", ["steps": "1000"])
        _ = try fixture.waitFor(id, .running)
        let answer = try fixture.manager.stop(id)
        #expect(answer.status == .running || answer.status == .stopped)
        let record = try fixture.waitFor(id, .stopped)
        #expect(record.finishedAt != nil)
        _ = fixture.eventually { ((try? fixture.store.logs(id)) ?? []).count == 2 }
        #expect(try fixture.store.logs(id).last?.message == "post stopped")
        #expect(try fixture.store.attempts(id).map(\.outcome) == ["stopped"])
    }

    @Test("a task that never checks in keeps running with 'stop requested' shown")
    func stopWithoutCheckpoint() throws {
        let fixture = try ManagerFixture()
        let id = try fixture.submit("no-checkpoint", ["ms": "800"])
        _ = try fixture.waitFor(id, .running)
        let answer = try fixture.manager.stop(id)
        #expect(answer.status == .running)
        #expect(answer.stopRequested)
        // It cannot be stopped; it finishes on its own.
        let record = try fixture.manager.waitUntilFinished(id, timeout: .seconds(10))
        #expect(record.status == .finished)
        #expect(!record.stopRequested)
    }

    @Test("stop of a paused task is immediate")
    func stopPaused() throws {
        let fixture = try ManagerFixture()
        let id = try fixture.submit("sleep", ["seconds": "5", "steps-per-second": "100"])
        _ = try fixture.waitFor(id, .running)
        try fixture.manager.pause(id)
        _ = try fixture.waitFor(id, .paused)
        #expect(try fixture.manager.stop(id).status == .stopped)
        #expect(fixture.eventually { ((try? fixture.store.attempts(id)) ?? []).first?.outcome == "stopped" })
    }

    @Test("restart keeps the id, bumps the attempt, starts from the beginning and keeps the history")
    func restart() throws {
        let fixture = try ManagerFixture()
        let id = try fixture.submit("sleep", ["seconds": "0.05", "steps-per-second": "100"])
        let first = try fixture.manager.waitUntilFinished(id, timeout: .seconds(10))
        #expect(first.attempt == 1)
        // The scheduler may already have picked it up by the time restart returns.
        #expect([.pending, .running, .finished].contains(try fixture.manager.restart(id).status))
        _ = fixture.eventually { ((try? fixture.record(id))?.attempt ?? 0) == 2 }
        let second = try fixture.manager.waitUntilFinished(id, timeout: .seconds(10))
        #expect(second.id == id)
        #expect(second.attempt == 2)
        #expect(second.status == .finished)
        #expect(second.result == #"{"resumedFromStep":0,"steps":5}"#)

        // Restarting a running task stops it first, then runs it again from step 0.
        let long = try fixture.submit("sleep", ["seconds": "5", "steps-per-second": "100"])
        #expect(fixture.eventually { ((try? fixture.progress(long)) ?? 0) >= 20 })
        try fixture.manager.restart(long)
        #expect(fixture.eventually { ((try? fixture.record(long))?.attempt ?? 0) == 2 })
        _ = try fixture.waitFor(long, .running)
        let history = try fixture.store.attempts(long)
        #expect(history.first?.outcome == "stopped for restart")
        try fixture.manager.stop(long)
        _ = try fixture.waitFor(long, .stopped)
    }

    @Test("a run over its timeout is stopped and failed with 'timed out after N s'")
    func timeout() throws {
        let fixture = try ManagerFixture()
        let id = try fixture.submit("sleep", ["seconds": "10", "steps-per-second": "100"], SubmitOptions(timeoutSeconds: 0.3))
        let record = try fixture.manager.waitUntilFinished(id, timeout: .seconds(10))
        #expect(record.status == .failed)
        #expect(record.error?.message == "timed out after 0.3 s")
        #expect(record.error?.type == "Timeout")
        let elapsed = (record.finishedAt ?? Date()).timeIntervalSince(record.startedAt ?? Date())
        #expect(elapsed >= 0.3 && elapsed < 3, "ran \(elapsed) s")
    }

    @Test("the timeout holds for an attempt the scheduler starts from the queue, not only for one started by its submit")
    func timeoutOfQueuedTask() throws {
        let fixture = try ManagerFixture(maxRunning: 1)
        let first = try fixture.submit("sleep", ["seconds": "0.3", "steps-per-second": "100"])
        let queued = try fixture.submit("sleep", ["seconds": "10", "steps-per-second": "100"], SubmitOptions(timeoutSeconds: 0.3))
        #expect(try fixture.record(queued).status == .pending)
        let record = try fixture.manager.waitUntilFinished(queued, timeout: .seconds(8))
        #expect(record.status == .failed && record.error?.message == "timed out after 0.3 s", "\(record.status)")
        let elapsed = (record.finishedAt ?? Date()).timeIntervalSince(record.startedAt ?? Date())
        #expect(elapsed >= 0.3 && elapsed < 3, "ran \(elapsed) s")
        #expect(try fixture.record(first).status == .finished)
    }

    @Test("failed runs retry with exponential backoff; each attempt's error is kept")
    func retriesWithBackoff() throws {
        let fixture = try ManagerFixture()
        let options = SubmitOptions(maxRetries: 3, backoff: Backoff(baseSeconds: 0.2, factor: 2, capSeconds: 10))
        let id = try fixture.submit("flaky", ["failures": "2"], options)
        let record = try fixture.manager.waitUntilFinished(id, timeout: .seconds(10))
        #expect(record.status == .finished)
        #expect(record.attempt == 3)
        #expect(record.retriesUsed == 2)
        let attempts = try fixture.store.attempts(id)
        #expect(attempts.map(\.outcome) == ["failed", "failed", "finished"])
        #expect(attempts.map(\.error) == ["planned failure 1 of 2", "planned failure 2 of 2", nil])
        let firstGap = attempts[1].startedAt.timeIntervalSince(attempts[0].endedAt ?? .distantFuture)
        let secondGap = attempts[2].startedAt.timeIntervalSince(attempts[1].endedAt ?? .distantFuture)
        #expect(firstGap >= 0.2 && firstGap < 2, "first retry after \(firstGap) s")
        #expect(secondGap >= 0.4 && secondGap < 2.5, "second retry after \(secondGap) s")

        // Out of retries: failed, with the last error.
        let hopeless = try fixture.submit("flaky", ["failures": "5"], SubmitOptions(maxRetries: 1, backoff: Backoff(baseSeconds: 0.05)))
        let failed = try fixture.manager.waitUntilFinished(hopeless, timeout: .seconds(10))
        #expect(failed.status == .failed)
        #expect(failed.error?.message == "planned failure 2 of 5")
        #expect(failed.error?.attempt == 2)
    }
}
