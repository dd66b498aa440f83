import Foundation
import TaskKit

/// Schedules: stored as rows of `schedules`; a firing's advance goes with its task (`insert(batch:)`).
extension TaskStore {
    private static let scheduleColumns = """
        id, name, type, parameters, options, timing, catch_up, max_catch_up, overlap, paused, next_at, queued_for,
        last_fired_for, last_task_id, fired, skipped, last_skip, created_at, updated_at
        """

    /// Stores a new schedule.
    func insertSchedule(_ schedule: ScheduleRecord, actor: String) throws(TaskHostError) {
        let encoder = APICoding.encoder
        let options: Data, timing: Data
        do {
            options = try encoder.encode(schedule.options)
            timing = try encoder.encode(schedule.timing)
        } catch {
            throw .invalidOption("the schedule could not be encoded: \(error)")
        }
        try write { connection in
            try connection.run(
                """
                INSERT INTO schedules (\(Self.scheduleColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, 0, 0, NULL, ?, ?)
                """,
                [
                    .text(schedule.id), .optional(schedule.name), .text(schedule.type), .text(CompactJSON.object(schedule.parameters.values)),
                    .text(String(decoding: options, as: UTF8.self)), .text(String(decoding: timing, as: UTF8.self)),
                    .text(schedule.catchUp.rawValue), .integer(Int64(schedule.maxCatchUp)), .text(schedule.overlap.rawValue),
                    .integer(schedule.paused ? 1 : 0), .optional(schedule.nextAt?.timeIntervalSince1970),
                    .real(schedule.createdAt.timeIntervalSince1970), .real(schedule.updatedAt.timeIntervalSince1970),
                ])
            try StoreAudit.insert(
                connection, action: "schedule_add", taskID: nil, actor: actor, detail: "\(schedule.id) \(schedule.type)",
                at: schedule.createdAt.timeIntervalSince1970)
        }
    }

    /// Pauses a schedule (its next firing is left as it is), or resumes one from `nextAt`.
    func setSchedulePaused(_ id: String, paused: Bool, nextAt: Date?, actor: String) throws(TaskHostError) {
        try write { connection in
            let now = Date().timeIntervalSince1970
            let changed =
                paused
                ? try connection.run(
                    "UPDATE schedules SET paused = 1, queued_for = NULL, updated_at = ? WHERE id = ?", [.real(now), .text(id)])
                : try connection.run(
                    "UPDATE schedules SET paused = 0, next_at = ?, queued_for = NULL, updated_at = ? WHERE id = ?",
                    [.optional(nextAt?.timeIntervalSince1970), .real(now), .text(id)])
            guard changed == 1 else { throw TaskHostError.scheduleNotFound(id) }
            try StoreAudit.insert(connection, action: paused ? "schedule_pause" : "schedule_resume", taskID: nil, actor: actor, detail: id, at: now)
        }
    }

    /// Removes a schedule (its tasks stay).
    func deleteSchedule(_ id: String, actor: String) throws(TaskHostError) {
        try write { connection in
            guard try connection.run("DELETE FROM schedules WHERE id = ?", [.text(id)]) == 1 else { throw TaskHostError.scheduleNotFound(id) }
            try StoreAudit.insert(connection, action: "schedule_remove", taskID: nil, actor: actor, detail: id, at: Date().timeIntervalSince1970)
        }
    }

    /// Writes firings that started no task (skipped, or queued), in one transaction.
    func advance(_ advances: [ScheduleAdvance]) throws(TaskHostError) {
        try write { connection in
            for advance in advances { try advance.apply(to: connection) }
        }
    }

    /// The full id of the schedule with this id or unique prefix, without reading the rest of its row.
    func scheduleID(_ prefix: String) throws(TaskHostError) -> String {
        guard let (ids, _) = try ids(startingWith: prefix, column: "id", table: "schedules") else { throw .scheduleNotFound(prefix.clippedForMessage) }
        guard let first = ids.first else { throw .scheduleNotFound(prefix) }
        guard ids.count == 1 else { throw .ambiguousID(prefix, matches: ids, total: ids.count) }
        return first
    }

    /// The schedule id a task listing filters on: a live schedule's (by id or unique prefix), else
    /// the one schedule id with this prefix that tasks still carry (a removed schedule's tasks keep it).
    public func scheduleReference(_ prefix: String) throws(TaskHostError) -> String {
        do {
            return try scheduleID(prefix)
        } catch .scheduleNotFound {
            guard let (ids, _) = try ids(startingWith: prefix, column: "schedule_id", table: "tasks") else {
                throw .scheduleNotFound(prefix.clippedForMessage)
            }
            guard let first = ids.first else { throw .scheduleNotFound(prefix) }
            guard ids.count == 1 else { throw .ambiguousID(prefix, matches: ids, total: ids.count) }
            return first
        }
    }

    /// Every schedule, oldest first (a row that no longer decodes is left out: it must not stop the host).
    public func schedules() throws(TaskHostError) -> [ScheduleRecord] {
        try read { connection in
            try connection.query("SELECT \(Self.scheduleColumns) FROM schedules ORDER BY created_at, id") { try? Self.decodeSchedule($0) }
        }.compactMap { $0 }
    }

    /// One schedule by id or unique id prefix.
    public func schedule(_ prefix: String) throws(TaskHostError) -> ScheduleRecord {
        let id = try scheduleID(prefix)
        let rows = try read { connection in
            try connection.query("SELECT \(Self.scheduleColumns) FROM schedules WHERE id = ?", [.text(id)]) { row in
                Result { try Self.decodeSchedule(row) }
            }
        }
        guard let row = rows.first else { throw .scheduleNotFound(prefix) }
        switch row {
        case .success(let schedule): return schedule
        case .failure(let error):
            throw .scheduleUnreadable(id: id, detail: "\(error)")
        }
    }

    private static func decodeSchedule(_ row: SQLiteStatement) throws -> ScheduleRecord {
        let decoder = APICoding.decoder
        func date(_ column: Int32) -> Date? { row.optionalDouble(column).map(Date.init(timeIntervalSince1970:)) }
        return ScheduleRecord(
            id: row.text(0), name: row.optionalText(1), type: row.text(2),
            parameters: try decoder.decode(TaskParameters.self, from: Data(row.text(3).utf8)),
            options: try decoder.decode(SubmitOptions.self, from: Data(row.text(4).utf8)),
            timing: try decoder.decode(ScheduleTiming.self, from: Data(row.text(5).utf8)),
            catchUp: CatchUpPolicy(rawValue: row.text(6)) ?? .latest, maxCatchUp: row.int(7),
            overlap: OverlapPolicy(rawValue: row.text(8)) ?? .skip, paused: row.int64(9) != 0, nextAt: date(10), queuedFor: date(11),
            lastFiredFor: date(12), lastTaskID: row.optionalText(13), fired: row.int(14), skipped: row.int(15), lastSkip: row.optionalText(16),
            createdAt: Date(timeIntervalSince1970: row.double(17)), updatedAt: Date(timeIntervalSince1970: row.double(18)))
    }
}
