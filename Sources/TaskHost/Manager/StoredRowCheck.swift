import Foundation
import TaskKit

/// Start-up's check of a stored task's scheduling fields. A row written by an older version or
/// edited by hand may hold values no submit accepts today; such a task is failed with the reason
/// instead of being scheduled, so start-up never dies on a row.
extension SchedulableTask {
    /// Why this row cannot be scheduled, or nil.
    func problem(now: Double) -> String? {
        var problems: [String] = []
        if let runAt, !(runAt.isFinite && runAt <= now + TimeBounds.maxSeconds + 86_400) {
            problems.append("run time \(TimeBounds.iso(runAt)) is out of range")
        }
        if let timeout = timeoutSeconds, let problem = TimeBounds.durationProblem(timeout, field: "timeout", allowZero: false) {
            problems.append(problem)
        }
        if !(maxRetries >= 0 && maxRetries <= 1000) { problems.append("maxRetries \(maxRetries) is out of range 0...1000") }
        guard !problems.isEmpty else { return nil }
        return "failed at start-up: the stored task is invalid (" + problems.joined(separator: "; ") + "); submit it again"
    }
}

extension TaskManager {
    /// Fails the rows `problem(now:)` refuses, returning the rest.
    func failInvalidRows(_ rows: [SchedulableTask], now: Double) throws(TaskHostError) -> [SchedulableTask] {
        var valid: [SchedulableTask] = []
        var tickets: [any CommitTicket] = []
        for row in rows {
            guard let problem = row.problem(now: now) else {
                valid.append(row)
                continue
            }
            var update = TaskUpdate(row.id)
            update.status(.failed)
            update.set(.finishedAt(now))
            update.set(.runAt(nil))
            update.set(.waitingReason(nil))
            update.set(.error(TaskFailure(message: problem, type: "InvalidStoredTask", attempt: row.attempt)))
            update.audit = ("fail", configuration.hostActor, problem)
            tickets.append(try storage.enqueue(update))
            logger.error("stored task is invalid; failed it", metadata: ["task": "\(row.id)", "problem": "\(problem)"])
        }
        // The last first: waiting on it commits every write queued before it in one round.
        for ticket in tickets.reversed() {
            try wait(ticket)
        }
        return valid
    }
}
