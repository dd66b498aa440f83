import Foundation

extension ScheduleAdvance {
    func apply(to connection: SQLiteConnection) throws {
        let now = Date().timeIntervalSince1970
        // A schedule removed or paused meanwhile: the firing must not happen either.
        guard try connection.run(
            """
            UPDATE schedules SET next_at = ?, queued_for = ?, last_fired_for = COALESCE(?, last_fired_for),
                last_task_id = COALESCE(?, last_task_id), fired = fired + ?, skipped = skipped + ?,
                last_skip = COALESCE(?, last_skip), updated_at = ?
            WHERE id = ? AND paused = 0
            """,
            [
                .optional(nextAt?.timeIntervalSince1970), .optional(queuedFor?.timeIntervalSince1970),
                .optional(lastFired?.scheduledFor.timeIntervalSince1970), .optional(lastFired?.taskID), .integer(Int64(firedCount)),
                .integer(Int64(skipped)), .optional(skipReason), .real(now), .text(scheduleID),
            ]) == 1
        else { throw TaskHostError.scheduleNotFound(scheduleID) }
        if skipped > 0, let skipReason {
            try StoreAudit.insert(connection, action: "schedule_skip", taskID: nil, actor: "scheduler", detail: "\(scheduleID): \(skipped) skipped: \(skipReason)", at: now)
        }
    }
}
