import Foundation
import Synchronization
import Testing

@testable import TaskHost

/// A storage backend under test: a fresh, empty store of it, kept alive with what it needs.
struct StorageBackend: CustomStringConvertible, Sendable {
    let description: String
    let open: @Sendable () throws -> (storage: any TaskStorage, keepAlive: AnyObject)

    /// Every backend the suite holds to the same contract. A new backend adds itself here.
    static let all: [StorageBackend] = [
        StorageBackend(description: "SQLite") {
            let scratch = try TemporaryDirectory("conformance")
            let store = try TaskStore(path: scratch.url.appendingPathComponent("taskhost.db").path, flushInterval: .milliseconds(20))
            return (store, scratch)
        }
    ]
}

/// The contract every storage backend keeps, run against each of them: what is written reads
/// back whole, filters and pages agree, writes of a missing row or a taken firing are refused in
/// the core's own error words, and nothing half-written is left by a refused batch.
@Suite("storage conformance")
struct StorageConformanceTests {
    static func record(type: String = "noop", status: TaskStatus = .pending, key: String? = nil, tags: [String: String] = [:],
        schedule: (id: String, at: Date)? = nil) -> TaskRecord
    {
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded())
        return TaskRecord(
            id: RandomIDs.shared.next(), type: type, name: "n", status: status, priority: 3, parameters: TaskParameters(["a": .int(1), "b": .string("x")]),
            tags: tags, attempt: 0, maxRetries: 2, retriesUsed: 0, backoff: Backoff(baseSeconds: 1, factor: 2, capSeconds: 60), timeoutSeconds: 30,
            requeueOnInterrupt: true, idempotencyKey: key, createdAt: now, updatedAt: now, runAt: nil, startedAt: nil, finishedAt: nil,
            progress: nil, result: nil, error: nil, stopRequested: false, pauseRequested: false, waitingReason: nil,
            source: schedule == nil ? .manual : .scheduled, schedule: schedule?.id, scheduledFor: schedule?.at)
    }

    static func schedule() -> ScheduleRecord {
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded())
        return ScheduleRecord(
            id: RandomIDs.shared.next(), name: "s", type: "noop", parameters: TaskParameters([:]), options: SubmitOptions(),
            timing: .every(seconds: 60, anchor: Date(timeIntervalSince1970: 0)), catchUp: .latest, maxCatchUp: 100, overlap: .skip,
            paused: false, nextAt: now.addingTimeInterval(60), queuedFor: nil, lastFiredFor: nil, lastTaskID: nil, fired: 0, skipped: 0,
            lastSkip: nil, createdAt: now, updatedAt: now)
    }

    func insert(_ storage: any TaskStorage, _ record: TaskRecord) throws -> String {
        try storage.insert(record, parametersJSON: nil, actor: "test", startedAt: nil).id
    }

    @Test("a task reads back as written; ids resolve by unique prefix; a missing or ambiguous one is refused", arguments: StorageBackend.all)
    func roundTrip(_ backend: StorageBackend) throws {
        let (storage, keep) = try backend.open()
        defer { storage.close(); withExtendedLifetime(keep) {} }
        let written = Self.record(tags: ["team": "infra"])
        let id = try insert(storage, written)
        var read = try storage.record(id)
        read.updatedAt = written.updatedAt
        #expect(read == written)
        #expect(try storage.resolveID(String(id.prefix(10))) == id)
        #expect(throws: TaskHostError.self) { try storage.resolveID("ffffffffffffffffffffffffffffffff") }
        #expect(throws: TaskHostError.self) { try storage.record("nope") }
        #expect(try storage.attempts(id).isEmpty)
        #expect(try storage.countsByStatus()[.pending] == 1)
        #expect(try storage.audit(after: 0, limit: 10).contains { $0.action == "submit" && $0.taskID == id })
    }

    @Test("an idempotency key returns the live task instead of a second one", arguments: StorageBackend.all)
    func idempotency(_ backend: StorageBackend) throws {
        let (storage, keep) = try backend.open()
        defer { storage.close(); withExtendedLifetime(keep) {} }
        let first = try storage.insert(Self.record(key: "k"), parametersJSON: nil, actor: "test", startedAt: nil)
        let second = try storage.insert(Self.record(key: "k"), parametersJSON: nil, actor: "test", startedAt: nil)
        #expect(!first.existing && second.existing && second.id == first.id)
        #expect(try storage.list(TaskFilter()).tasks.count == 1)
    }

    @Test("list: newest first, filtered by status, type, tag and schedule, paged by cursor", arguments: StorageBackend.all)
    func listing(_ backend: StorageBackend) throws {
        let (storage, keep) = try backend.open()
        defer { storage.close(); withExtendedLifetime(keep) {} }
        let schedule = Self.schedule()
        try storage.insertSchedule(schedule, actor: "test")
        var ids: [String] = []
        for index in 0..<7 {
            let record = Self.record(
                type: index % 2 == 0 ? "even" : "odd", tags: index < 3 ? ["low": "yes"] : [:],
                schedule: index == 6 ? (schedule.id, Date(timeIntervalSince1970: 600)) : nil)
            ids.append(try insert(storage, record))
        }
        #expect(try storage.list(TaskFilter()).tasks.map(\.id) == ids.reversed())
        #expect(try storage.list(TaskFilter(type: "even")).tasks.map(\.id) == [ids[6], ids[4], ids[2], ids[0]])
        #expect(try storage.list(TaskFilter(tags: ["low": "yes"])).tasks.map(\.id) == [ids[2], ids[1], ids[0]])
        var bySchedule = TaskFilter()
        bySchedule.schedule = schedule.id
        #expect(try storage.list(bySchedule).tasks.map(\.id) == [ids[6]])
        #expect(try storage.list(TaskFilter(statuses: [.running])).tasks.isEmpty)
        let first = try storage.list(TaskFilter(limit: 3))
        let cursor = try #require(first.nextCursor)
        let second = try storage.list(TaskFilter(limit: 3, cursor: cursor))
        let secondCursor = try #require(second.nextCursor)
        let third = try storage.list(TaskFilter(limit: 3, cursor: secondCursor))
        #expect((first.tasks + second.tasks + third.tasks).map(\.id) == ids.reversed())
        #expect(third.nextCursor == nil)
    }

    @Test("a typed update commits what it says with its attempt and audit rows; one of a missing task is refused", arguments: StorageBackend.all)
    func updates(_ backend: StorageBackend) throws {
        let (storage, keep) = try backend.open()
        defer { storage.close(); withExtendedLifetime(keep) {} }
        let id = try insert(storage, Self.record())
        var start = TaskUpdate(id)
        start.status(.running)
        start.set(.attempt(1))
        start.set(.startedAt(100))
        start.attemptStarted = (1, 100)
        try storage.enqueue(start).wait()
        #expect(try storage.record(id).status == .running)
        var end = TaskUpdate(id)
        end.status(.failed)
        end.set(.finishedAt(101))
        end.set(.error(TaskFailure(message: "boom", type: "E", attempt: 1)))
        end.set(.exit(ProcessExit(exitCode: 3, signal: nil)))
        end.attemptEnded = (1, 101, "failed", "boom")
        end.audit = ("fail", "test", "why")
        try storage.enqueue(end).wait()
        let record = try storage.record(id)
        #expect(record.status == .failed && record.error?.message == "boom" && record.exitCode == 3)
        #expect(try storage.attempts(id).map(\.outcome) == ["failed"])
        #expect(try storage.audit(after: 0, limit: 100).contains { $0.action == "fail" && $0.detail == "why" })
        #expect(try storage.countsByStatus()[.failed] == 1 && storage.countsByStatus()[.pending, default: 0] == 0)
        var missing = TaskUpdate("0123456789abcdef0123456789abcdef")
        missing.status(.running)
        let ticket = try storage.enqueue(missing)
        #expect(throws: TaskHostError.self) { try ticket.wait() }
        #expect(ticket.succeeded == false)
    }

    @Test("any number of threads may wait for one write: each returns once it is committed (a task's thread and a control both wait on a start)", arguments: StorageBackend.all)
    func manyWaiters(_ backend: StorageBackend) throws {
        let (storage, keep) = try backend.open()
        defer { storage.close(); withExtendedLifetime(keep) {} }
        let id = try insert(storage, Self.record())
        var start = TaskUpdate(id)
        start.status(.running)
        let ticket = try storage.enqueue(start)
        let returned = Mutex(0)
        let group = DispatchGroup()
        for _ in 0..<4 {
            DispatchQueue.global().async(group: group) {
                if (try? ticket.wait()) != nil { returned.withLock { $0 += 1 } }
            }
        }
        #expect(group.wait(timeout: .now() + 10) == .success, "a waiter never returned")
        #expect(returned.withLock { $0 } == 4)
        try ticket.wait()
        #expect(try ticket.succeeded == true && storage.record(id).status == .running)
    }

    @Test("a second task for a schedule's firing time is refused as a scheduleFiring conflict, and the batch leaves nothing", arguments: StorageBackend.all)
    func firingConflict(_ backend: StorageBackend) throws {
        let (storage, keep) = try backend.open()
        defer { storage.close(); withExtendedLifetime(keep) {} }
        let schedule = Self.schedule()
        try storage.insertSchedule(schedule, actor: "test")
        let at = Date(timeIntervalSince1970: 1200)
        _ = try storage.insert(batch: [Self.record(schedule: (schedule.id, at))], parametersJSON: nil, actor: "scheduler", firings: [])
        let bystander = Self.record()
        do {
            _ = try storage.insert(batch: [bystander, Self.record(schedule: (schedule.id, at))], parametersJSON: nil, actor: "scheduler", firings: [])
            Issue.record("the second task for one firing was stored")
        } catch {
            guard case .storage(let storageError) = error else {
                Issue.record("not a storage error: \(error)")
                return
            }
            #expect(storageError.kind == .conflict(.scheduleFiring), "\(storageError)")
        }
        #expect(throws: TaskHostError.self) { try storage.record(bystander.id) }
        var bySchedule = TaskFilter()
        bySchedule.schedule = schedule.id
        #expect(try storage.list(bySchedule).tasks.count == 1)
    }

    @Test("only a task in a terminal status is deleted, with its logs; the record of the delete stays", arguments: StorageBackend.all)
    func deletion(_ backend: StorageBackend) throws {
        let (storage, keep) = try backend.open()
        defer { storage.close(); withExtendedLifetime(keep) {} }
        let pending = try insert(storage, Self.record())
        let done = try insert(storage, Self.record(status: .finished))
        #expect(try !storage.deleteTerminalTask(pending, actor: "test"))
        storage.activity?.log(done, .info, "a line")
        try storage.enqueue(TaskUpdate(done)).wait()
        #expect(try storage.logs(done).map(\.message) == ["a line"])
        #expect(try storage.deleteTerminalTask(done, actor: "test"))
        #expect(throws: TaskHostError.self) { try storage.record(done) }
        #expect(try storage.record(pending).status == .pending)
        #expect(try storage.audit(after: 0, limit: 100).contains { $0.action == "delete" && $0.taskID == done })
    }

    @Test("logs: oldest or newest N, and since a time", arguments: StorageBackend.all)
    func logs(_ backend: StorageBackend) throws {
        let (storage, keep) = try backend.open()
        defer { storage.close(); withExtendedLifetime(keep) {} }
        let id = try insert(storage, Self.record())
        for line in 1...5 { storage.activity?.log(id, .info, "\(line)") }
        try storage.enqueue(TaskUpdate(id)).wait()
        #expect(try storage.logs(id, after: 0, limit: 2, newest: false, since: nil).map(\.message) == ["1", "2"])
        #expect(try storage.logs(id, after: 0, limit: 2, newest: true, since: nil).map(\.message) == ["4", "5"])
        #expect(try storage.logs(id, after: 0, limit: 10, newest: false, since: Date().addingTimeInterval(3600)).isEmpty)
        let all = try storage.logs(id, after: 0, limit: 10, newest: false, since: Date().addingTimeInterval(-3600))
        #expect(all.count == 5)
        #expect(try storage.logs(id, after: all[2].sequence, limit: 10).map(\.message) == ["4", "5"])
    }

    @Test("schedules: stored, found by prefix, paused, removed; a removed schedule's tasks still carry its id", arguments: StorageBackend.all)
    func schedules(_ backend: StorageBackend) throws {
        let (storage, keep) = try backend.open()
        defer { storage.close(); withExtendedLifetime(keep) {} }
        let schedule = Self.schedule()
        try storage.insertSchedule(schedule, actor: "test")
        #expect(try storage.schedule(String(schedule.id.prefix(8))) == schedule)
        try storage.setSchedulePaused(schedule.id, paused: true, nextAt: nil, actor: "test")
        #expect(try storage.schedules().map(\.paused) == [true])
        _ = try insert(storage, Self.record(schedule: (schedule.id, Date(timeIntervalSince1970: 60))))
        try storage.deleteSchedule(schedule.id, actor: "test")
        #expect(try storage.schedules().isEmpty)
        #expect(throws: TaskHostError.self) { try storage.schedule(schedule.id) }
        #expect(try storage.scheduleReference(String(schedule.id.prefix(8))) == schedule.id)
        #expect(throws: TaskHostError.self) { try storage.deleteSchedule(schedule.id, actor: "test") }
    }

    @Test("recovery after a crash: a running task is interrupted (or requeued when it asked), paused and pending stay", arguments: StorageBackend.all)
    func recovery(_ backend: StorageBackend) throws {
        let (storage, keep) = try backend.open()
        defer { storage.close(); withExtendedLifetime(keep) {} }
        var plain = Self.record()
        plain.requeueOnInterrupt = false
        let running = try storage.insert(plain, parametersJSON: nil, actor: "test", startedAt: 100).id
        let requeued = try storage.insert(Self.record(), parametersJSON: nil, actor: "test", startedAt: 100).id
        let paused = try insert(storage, Self.record(status: .paused))
        let pending = try insert(storage, Self.record())
        let report = try storage.recoverAfterCrash(.host)
        #expect(report.interrupted == 1 && report.requeued == 1 && report.paused == 1, "\(report)")
        #expect(try storage.record(running).status == .interrupted)
        #expect(try storage.record(requeued).status == .pending)
        #expect(try storage.record(paused).status == .paused && storage.record(pending).status == .pending)
        #expect(try Set(storage.loadSchedulable().map(\.id)).isSuperset(of: [requeued, paused, pending]))
    }
}
