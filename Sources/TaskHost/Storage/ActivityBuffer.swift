import Foundation
import Synchronization
import TaskKit

/// What running tasks report between two database flushes: the latest progress and saved
/// state per task (older values are simply replaced) and log lines (bounded per task).
///
/// This is why `progress`, `log` and `saveState` are cheap for a task: each is a dictionary
/// write under a lock; the writer turns a whole interval's worth into one transaction.
final class ActivityBuffer: Sendable {
    struct LogLine: Sendable {
        let taskID: String
        let at: Double
        let level: LogLevel
        let message: String
    }

    struct Contents: Sendable {
        var progress: [String: TaskProgress] = [:]
        var states: [String: Data] = [:]
        var logs: [LogLine] = []
        var logCounts: [String: Int] = [:]
        /// Lines dropped before reaching the database (a task logging faster than the flush).
        var logsDropped: [String: Int] = [:]
        var dirtySince: ContinuousClock.Instant?

        var isEmpty: Bool { progress.isEmpty && states.isEmpty && logs.isEmpty }
    }

    private let contents = Mutex(Contents())
    private let logCapPerFlush: Int
    private let onFirstChange: @Sendable () -> Void

    /// `onFirstChange` runs when the buffer goes from empty to dirty (to wake the writer).
    init(logCapPerFlush: Int, onFirstChange: @escaping @Sendable () -> Void) {
        self.logCapPerFlush = logCapPerFlush
        self.onFirstChange = onFirstChange
    }

    func progress(_ taskID: String, _ progress: TaskProgress) {
        change { $0.progress[taskID] = progress }
    }

    func saveState(_ taskID: String, _ data: Data) {
        change { $0.states[taskID] = data }
    }

    func log(_ taskID: String, _ level: LogLevel, _ message: String) {
        let line = LogLine(taskID: taskID, at: Date().timeIntervalSince1970, level: level, message: message)
        change { contents in
            let count = contents.logCounts[taskID, default: 0]
            // A task logging in a tight loop keeps only its newest lines; the store caps the rest.
            if count >= logCapPerFlush, let oldest = contents.logs.firstIndex(where: { $0.taskID == taskID }) {
                contents.logs.remove(at: oldest)
                contents.logsDropped[taskID, default: 0] += 1
            } else {
                contents.logCounts[taskID] = count + 1
            }
            contents.logs.append(line)
        }
    }

    /// When the oldest unflushed change was made, if any.
    var dirtySince: ContinuousClock.Instant? { contents.withLock { $0.dirtySince } }

    /// Takes everything buffered, leaving the buffer empty.
    func take() -> Contents {
        contents.withLock { contents in
            defer { contents = Contents() }
            return contents
        }
    }

    /// Puts back what a failed commit took: newer values reported since win, older log lines go first.
    func restore(_ taken: Contents) {
        guard !taken.isEmpty else { return }
        change { contents in
            contents.progress.merge(taken.progress) { newer, _ in newer }
            contents.states.merge(taken.states) { newer, _ in newer }
            contents.logs = taken.logs + contents.logs
            contents.logCounts.merge(taken.logCounts, uniquingKeysWith: +)
            contents.logsDropped.merge(taken.logsDropped, uniquingKeysWith: +)
        }
    }

    private func change(_ body: (inout Contents) -> Void) {
        let wasClean = contents.withLock { contents in
            let wasClean = contents.dirtySince == nil
            body(&contents)
            if wasClean { contents.dirtySince = .now }
            return wasClean
        }
        if wasClean { onFirstChange() }
    }
}
