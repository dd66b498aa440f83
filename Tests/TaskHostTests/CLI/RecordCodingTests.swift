import Foundation
@testable import TaskHost
import Testing

/// The API's JSON of a task and a schedule is written out by hand (for shell parameters as
/// JSON): every stored property must be in it and read back.
@Suite("record coding")
struct RecordCodingTests {
    static func everyField() -> TaskRecord {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        return TaskRecord(
            id: "0123456789abcdef0123456789abcdef", type: "shell", name: "n", status: .running, priority: 2,
            parameters: TaskParameters(["argv": .string(#"["ls","-l"]"#), "env": .string(#"{"A":"b"}"#), "grace": .double(1.5)]),
            tags: ["k": "v"], attempt: 3, maxRetries: 4, retriesUsed: 1, backoff: .init(baseSeconds: 2, factor: 3, capSeconds: 9),
            timeoutSeconds: 10, requeueOnInterrupt: true, idempotencyKey: "key", createdAt: at, updatedAt: at, runAt: at, startedAt: at,
            finishedAt: at, progress: TaskProgress(completed: 1, total: 2, message: "m"), result: "{}",
            error: TaskFailure(message: "e", type: "T", attempt: 3), stopRequested: true, pauseRequested: true, waitingReason: "w",
            notice: "n", secondsSinceCheckpoint: 1, isolation: .process, memoryLimitBytes: 1 << 30, cpuLimitSeconds: 5, pid: 42, exitCode: 3,
            signal: 9, source: .scheduled, schedule: "s", scheduledFor: at, pausedAt: "frozen")
    }

    @Test("a task with every field set encodes each one and decodes equal; argv and env are JSON, not text")
    func taskRoundTrip() throws {
        let record = Self.everyField()
        let data = try APICoding.encoder.encode(record)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object.count == Mirror(reflecting: record).children.count, "a stored property is missing from the JSON: \(object.keys.sorted())")
        let parameters = try #require(object["parameters"] as? [String: Any])
        #expect(parameters["argv"] as? [String] == ["ls", "-l"] && parameters["env"] as? [String: String] == ["A": "b"])
        #expect(try APICoding.decoder.decode(TaskRecord.self, from: data) == record)
    }

    @Test("a schedule encodes each field and decodes equal")
    func scheduleRoundTrip() throws {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let schedule = ScheduleRecord(
            id: "s", name: "n", type: "shell", parameters: TaskParameters(["argv": .string(#"["true"]"#)]), options: SubmitOptions(),
            timing: .every(seconds: 60, anchor: at), catchUp: .all, maxCatchUp: 5, overlap: .queue, paused: true, nextAt: at, queuedFor: at,
            lastFiredFor: at, lastTaskID: "t", fired: 1, skipped: 2, lastSkip: "why", createdAt: at, updatedAt: at)
        let data = try APICoding.encoder.encode(schedule)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object.count == Mirror(reflecting: schedule).children.count, "\(object.keys.sorted())")
        #expect(try APICoding.decoder.decode(ScheduleRecord.self, from: data) == schedule)
    }
}
