import Foundation
import TaskHost
import TaskKit
import Testing

@Suite("Task lifecycle: every transition, and the illegal ones")
struct LifecycleTests {
    @Test("a task runs pre → run → post and finishes with its JSON result")
    func finishes() throws {
        let fixture = try ManagerFixture()
        let id = try fixture.submit("sleep", ["seconds": "0.05", "steps-per-second": "100"])
        let record = try fixture.manager.waitUntilFinished(id, timeout: .seconds(10))
        #expect(record.status == .finished)
        #expect(record.result == #"{"resumedFromStep":0,"steps":5}"#)
        #expect(record.attempt == 1)
        #expect(record.progress == TaskProgress(completed: 5, total: 5, message: nil))
        let attempts = try fixture.store.attempts(id)
        #expect(attempts.map(\.outcome) == ["finished"])
    }

    @Test("hooks see the outcome; an error thrown by run fails the task with its message and type")
    func failureAndHooks() throws {
        let fixture = try ManagerFixture()
        let id = try fixture.submit("hooks", ["fail": "true"])
        let record = try fixture.manager.waitUntilFinished(id, timeout: .seconds(10))
        #expect(record.status == .failed)
        #expect(record.error == TaskFailure(message: "asked to fail", type: "TaskError", attempt: 1))
        _ = fixture.eventually { ((try? fixture.store.logs(id)) ?? []).count == 2 }
        #expect(try fixture.store.logs(id).map(\.message) == ["pre attempt 1", "post failed(message: \"asked to fail\")"])
    }

    @Test("pending → paused (held, never starts) → resumed → runs; pending → stopped at once")
    func pendingTransitions() throws {
        let fixture = try ManagerFixture()
        let held = try fixture.submit("sleep", ["seconds": "0.05"], SubmitOptions(delaySeconds: 0.3))
        #expect(try fixture.manager.pause(held).status == .paused)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try fixture.record(held).status == .paused)
        #expect(try fixture.record(held).attempt == 0)
        #expect([.pending, .running, .finished].contains(try fixture.manager.resume(held).status))
        #expect(try fixture.manager.waitUntilFinished(held, timeout: .seconds(10)).status == .finished)

        let doomed = try fixture.submit("sleep", [:], SubmitOptions(delaySeconds: 60))
        let stopped = try fixture.manager.stop(doomed)
        #expect(stopped.status == .stopped)
        #expect(stopped.finishedAt != nil)
    }

    @Test("illegal transitions are refused with the status and what is allowed")
    func illegalTransitions() throws {
        let fixture = try ManagerFixture()
        let id = try fixture.submit("sleep", ["seconds": "0"])
        _ = try fixture.manager.waitUntilFinished(id, timeout: .seconds(10))
        let expectations: [(TaskAction, String)] = [
            (.pause, "is finished; only pending or running tasks can be paused"),
            (.resume, "is finished; only paused or interrupted tasks can be resumed"),
            (.stop, "is finished; only pending, running or paused tasks can be stopped"),
        ]
        for (action, message) in expectations {
            let error = #expect(throws: TaskHostError.self) {
                switch action {
                case .pause: try fixture.manager.pause(id)
                case .resume: try fixture.manager.resume(id)
                default: try fixture.manager.stop(id)
                }
            }
            #expect(error?.code == "illegal_transition")
            #expect(error?.description.contains(message) == true, "\(String(describing: error))")
        }
        let running = try fixture.submit("sleep", ["seconds": "5"])
        _ = try fixture.waitFor(running, .running)
        let deleteRunning = #expect(throws: TaskHostError.self) { try fixture.manager.delete(running) }
        #expect(deleteRunning?.description.contains("is running; only finished, failed, stopped or interrupted tasks can be deleted") == true)
        let resumeRunning = #expect(throws: TaskHostError.self) { try fixture.manager.resume(running) }
        #expect(resumeRunning?.code == "illegal_transition")
        try fixture.manager.stop(running)
        _ = try fixture.waitFor(running, .stopped)

        // Deleting a terminal task removes it; unknown ids and ambiguous prefixes are reported.
        try fixture.manager.delete(id)
        #expect(throws: TaskHostError.self) { try fixture.record(id) }
        let unknown = #expect(throws: TaskHostError.self) { try fixture.manager.pause("ffffffff") }
        #expect(unknown?.code == "task_not_found")
    }

    @Test("an id prefix works like git's; an ambiguous one lists the matches")
    func idPrefixes() throws {
        let fixture = try ManagerFixture()
        var ids: [String] = []
        for _ in 0..<40 { ids.append(try fixture.submit("sleep", ["seconds": "0"], SubmitOptions(delaySeconds: 60))) }
        let id = ids[0]
        #expect(try fixture.manager.task(String(id.prefix(12))).id == id)
        // Among 40 random ids, some first hex digit is shared by at least two.
        let shared = Dictionary(grouping: ids, by: { $0.prefix(1) }).first { $0.value.count > 1 }
        let prefix = try #require(shared?.key)
        let error = #expect(throws: TaskHostError.self) { try fixture.manager.task(String(prefix)) }
        #expect(error?.code == "ambiguous_id")
    }

    @Test("bad parameters are rejected before anything is stored, with every problem listed")
    func badParameters() throws {
        let fixture = try ManagerFixture()
        let error = #expect(throws: TaskHostError.self) {
            try fixture.submit("hash-tree", [:])
        }
        #expect(error?.code == "type_unavailable" || error?.code == "unknown_type")
        let invalid = #expect(throws: TaskHostError.self) {
            try fixture.submit("sleep", ["seconds": "lots", "steps-per-second": "2.5", "colour": "red"])
        }
        #expect(invalid?.code == "invalid_parameters")
        let text = invalid?.description ?? ""
        #expect(text.contains("unknown parameter 'colour'"))
        #expect(text.contains("parameter 'seconds': expected a number, got 'lots'"))
        #expect(text.contains("parameter 'steps-per-second': expected an int, got '2.5'"))
        // The type's own init checks run too.
        let semantic = #expect(throws: TaskHostError.self) { try fixture.submit("sleep", ["steps-per-second": "5000"]) }
        #expect(semantic?.description.contains("steps-per-second must be between 1 and 1000") == true)
        #expect(try fixture.store.list(TaskFilter()).tasks.isEmpty)
    }

    @Test("every submit and control action is in the audit log with its actor")
    func auditLog() throws {
        let fixture = try ManagerFixture()
        let id = try fixture.submit("sleep", [:], SubmitOptions(delaySeconds: 60))
        try fixture.manager.pause(id, actor: "alice")
        try fixture.manager.stop(id, actor: "bob")
        try fixture.manager.restart(id, actor: "carol")
        let entries = try fixture.store.audit().filter { $0.taskID == id }
        #expect(entries.map(\.action) == ["submit", "pause", "stop", "restart"])
        #expect(entries.map(\.actor) == ["test", "alice", "bob", "carol"])
    }
}
