import Foundation
import TaskKit

/// Maps `tasks` rows to `TaskRecord`s.
enum TaskRowCodec {
    static let columns = """
        id, type, name, status, priority, parameters, tags, attempt, max_retries, retries_used, backoff_base,
        backoff_factor, backoff_cap, timeout, requeue_on_interrupt, idempotency_key, created_at, updated_at, run_at,
        started_at, finished_at, progress_completed, progress_total, progress_message, result, error_message,
        error_type, error_attempt, stop_requested, pause_requested, waiting_reason, notice, isolation, memory_limit, cpu_limit, exit_code, exit_signal,
        source, schedule_id, scheduled_for
        """

    /// The number of columns in `columns` (an extra column selected after them has this index).
    static let columnCount: Int32 = 40

    static func decode(_ row: SQLiteStatement) throws -> TaskRecord {
        let decoder = JSONDecoder()
        let progress = row.optionalInt64(21).map {
            TaskProgress(completed: $0, total: row.optionalInt64(22), message: row.optionalText(23))
        }
        let error = row.optionalText(25).map {
            TaskFailure(message: $0, type: row.optionalText(26) ?? "Error", attempt: row.int(27))
        }
        return TaskRecord(
            id: row.text(0),
            type: row.text(1),
            name: row.optionalText(2),
            status: TaskStatus(rawValue: row.text(3)) ?? .interrupted,
            priority: row.int(4),
            parameters: try decoder.decode(TaskParameters.self, from: Data(row.text(5).utf8)),
            tags: (try? decoder.decode([String: String].self, from: Data(row.text(6).utf8))) ?? [:],
            attempt: row.int(7),
            maxRetries: row.int(8),
            retriesUsed: row.int(9),
            backoff: Backoff(baseSeconds: row.double(10), factor: row.double(11), capSeconds: row.double(12)),
            timeoutSeconds: row.optionalDouble(13),
            requeueOnInterrupt: row.int64(14) != 0,
            idempotencyKey: row.optionalText(15),
            createdAt: Date(timeIntervalSince1970: row.double(16)),
            updatedAt: Date(timeIntervalSince1970: row.double(17)),
            runAt: row.optionalDouble(18).map(Date.init(timeIntervalSince1970:)),
            startedAt: row.optionalDouble(19).map(Date.init(timeIntervalSince1970:)),
            finishedAt: row.optionalDouble(20).map(Date.init(timeIntervalSince1970:)),
            progress: progress,
            result: row.optionalText(24),
            error: error,
            stopRequested: row.int64(28) != 0,
            pauseRequested: row.int64(29) != 0,
            waitingReason: row.optionalText(30),
            notice: row.optionalText(31),
            isolation: TaskIsolation(rawValue: row.text(32)) ?? .thread,
            memoryLimitBytes: row.optionalInt64(33).map { Int(clamping: $0) },
            cpuLimitSeconds: row.optionalInt64(34).map { Int(clamping: $0) },
            exitCode: row.optionalInt64(35).map { Int(clamping: $0) },
            signal: row.optionalInt64(36).map { Int(clamping: $0) },
            source: TaskSource(rawValue: row.text(37)) ?? .manual, schedule: row.optionalText(38),
            scheduledFor: row.optionalDouble(39).map(Date.init(timeIntervalSince1970:)))
    }

    /// The columns of a `TaskSummary`, in `decodeSummary`'s order.
    static let summaryColumns = """
        id, type, name, status, priority, tags, attempt, max_retries, retries_used, created_at, updated_at, run_at,
        started_at, finished_at, progress_completed, progress_total, progress_message, error_message, error_type,
        error_attempt, stop_requested, pause_requested, waiting_reason, source, schedule_id, scheduled_for
        """

    /// The number of columns in `summaryColumns`.
    static let summaryColumnCount: Int32 = 26

    static func decodeSummary(_ row: SQLiteStatement) -> TaskSummary {
        TaskSummary(
            id: row.text(0), type: row.text(1), name: row.optionalText(2),
            status: TaskStatus(rawValue: row.text(3)) ?? .interrupted, priority: row.int(4),
            tags: (try? JSONDecoder().decode([String: String].self, from: Data(row.text(5).utf8))) ?? [:],
            attempt: row.int(6), maxRetries: row.int(7), retriesUsed: row.int(8),
            createdAt: Date(timeIntervalSince1970: row.double(9)), updatedAt: Date(timeIntervalSince1970: row.double(10)),
            runAt: row.optionalDouble(11).map(Date.init(timeIntervalSince1970:)),
            startedAt: row.optionalDouble(12).map(Date.init(timeIntervalSince1970:)),
            finishedAt: row.optionalDouble(13).map(Date.init(timeIntervalSince1970:)),
            progress: row.optionalInt64(14).map { TaskProgress(completed: $0, total: row.optionalInt64(15), message: row.optionalText(16)) },
            error: row.optionalText(17).map { TaskFailure(message: $0, type: row.optionalText(18) ?? "Error", attempt: row.int(19)) },
            stopRequested: row.int64(20) != 0, pauseRequested: row.int64(21) != 0, waitingReason: row.optionalText(22),
            source: TaskSource(rawValue: row.text(23)) ?? .manual, schedule: row.optionalText(24),
            scheduledFor: row.optionalDouble(25).map(Date.init(timeIntervalSince1970:)))
    }
}
