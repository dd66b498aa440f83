import Foundation
@testable import TaskHost
import TaskKit
import Testing

/// Controls hammered against completion, checkpoints, retries and each other, from real threads;
/// at the end memory, the database and the events received agree on every task.
@Suite("One truthful state: stress")
struct StateStressTests {
    @Test("pause/resume/stop/restart from 4 threads for 24 s: memory, database and events agree; every transition is one the table allows; no resume lost, no phantom task")
    func hammer() throws {
        let fixture = try ManagerFixture(maxRunning: 4)
        let manager = fixture.manager
        let lastEvent = LockedBox<[String: TaskStatus]>([:])
        // Synchronously on the publishing thread: what every subscriber receives, in order.
        manager.events.observe { event in
            if case .status(let id, let status, _) = event { lastEvent.update { $0[id] = status } }
        }
        var ids: [String] = []
        for index in 0..<48 {
            let fails = index % 3 == 0
            ids.append(
                try fixture.submit(
                    "hooks", ["steps": "\(Int.random(in: 0...40))", "fail": "\(fails)"], SubmitOptions(maxRetries: fails ? 1 : 0)))
        }
        let threads = 4
        let lastAcknowledged = LockedBox<[String: TaskAction]>([:])
        let iterations = LockedBox(0)
        let deadline = Date().addingTimeInterval(24)
        let taskIDs = ids
        // Real threads, each blocking in the manager's calls as an API handler would.
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
                    // Each thread owns a share of the tasks, so each task's acknowledgments have one order.
                    let mine = taskIDs.enumerated().filter { $0.offset % threads == thread }.map(\.element)
                    var done = 0
                    while Date() < deadline {
                        guard let id = mine.randomElement(), let action = [TaskAction.pause, .resume, .stop, .restart].randomElement() else { break }
                        do {
                            switch action {
                            case .pause: _ = try manager.pause(id, actor: "stress")
                            case .resume: _ = try manager.resume(id, actor: "stress")
                            case .stop: _ = try manager.stop(id, actor: "stress")
                            default: _ = try manager.restart(id, actor: "stress")
                            }
                            lastAcknowledged.update { $0[id] = action }
                        } catch {
                            // Refused (illegal in the current status, or busy): nothing changed.
                        }
                        done += 1
                        usleep(UInt32.random(in: 0...1500))
                    }
                    iterations.update { $0 += done }
        }
        #expect(iterations.get() > 6_000, "only \(iterations.get()) control calls")
        #expect(manager.lifecycleViolations.load(ordering: .relaxed) == 0, "transitions outside the table: \(manager.lifecycleViolationSamples.withLock { $0 })")

        // A resume that was acknowledged is never lost: no task whose last word was "resume" sits paused.
        Thread.sleep(forTimeInterval: 1)
        for (id, action) in lastAcknowledged.get() where action == .resume {
            #expect(try manager.task(id).status != .paused, "task \(id): resumed last, yet paused")
        }

        // Wind everything down, then compare the three views.
        for _ in 0..<100 {
            var open = 0
            for id in ids where try !manager.task(id).status.isTerminal {
                open += 1
                _ = try? manager.stop(id, actor: "stress")
            }
            if open == 0 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Thread.sleep(forTimeInterval: 0.5)
        let events = lastEvent.get()
        for id in ids {
            let stored = try fixture.store.record(id).status
            #expect(stored.isTerminal, "task \(id) is \(stored)")
            #expect(events[id] == stored, "task \(id): last event \(String(describing: events[id])), database \(stored)")
        }
        let (live, withThread, running) = manager.lock.withLock { (manager.state.live.count, manager.state.withThread.count, manager.state.running) }
        // Memory: every task ended, so none may be left in the live table (a phantom) or hold a thread or slot.
        #expect(live == 0, "\(live) tasks left in the live table (phantoms)")
        #expect(withThread == 0 && running == 0)
    }

    @Test("after a restart of a running task the events say pending, then running — never pending after the new attempt's running")
    func restartEventOrder() throws {
        let fixture = try ManagerFixture()
        let seen = LockedBox<[(TaskStatus, Int)]>([])
        let id = try fixture.submit("hooks", ["steps": "300"])
        fixture.manager.events.observe { event in
            if case .status(let task, let status, let attempt) = event, task == id { seen.update { $0.append((status, attempt)) } }
        }
        _ = try fixture.waitFor(id, .running)
        for round in 0..<5 {
            _ = try fixture.manager.restart(id)
            _ = fixture.eventually { seen.get().contains { $0.0 == .running && $0.1 == round + 2 } }
        }
        _ = try fixture.manager.stop(id)
        _ = try fixture.waitFor(id, .stopped)
        let events = seen.get()
        // Once an attempt is announced running, nothing about an earlier attempt may follow
        // (before the fix, the earlier attempt's "pending" came after the next one's "running").
        for (index, event) in events.enumerated() where event.0 == .running {
            #expect(!events[(index + 1)...].contains { $0.1 < event.1 }, "events: \(events)")
        }
        #expect(events.contains { $0.0 == .running && $0.1 == 6 }, "events: \(events)")
    }

    @Test("the last acknowledged word wins: restart then stop ends stopped; stop then restart runs again")
    func lastWordWins() throws {
        let fixture = try ManagerFixture()
        let stopped = try fixture.submit("no-checkpoint", ["ms": "800"])
        _ = try fixture.waitFor(stopped, .running)
        _ = try fixture.manager.restart(stopped)
        _ = try fixture.manager.stop(stopped)
        let ended = try fixture.waitFor(stopped, .finished)
        #expect(ended.attempt == 1, "the stop after the restart was lost: attempt \(ended.attempt)")

        let restarted = try fixture.submit("hooks", ["steps": "200"])
        _ = try fixture.waitFor(restarted, .running)
        _ = try fixture.manager.stop(restarted)
        _ = try fixture.manager.restart(restarted)
        #expect(fixture.eventually { (try? fixture.record(restarted).attempt) == 2 }, "the restart after the stop was lost")
        _ = try fixture.manager.stop(restarted)
    }
}
