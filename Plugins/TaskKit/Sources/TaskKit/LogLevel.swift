/// Severity of a task's log line.
public enum LogLevel: String, Sendable, Codable, CaseIterable, Comparable {
    /// Detail for debugging a task type.
    case debug
    /// Normal progress notes.
    case info
    /// Something odd that did not stop the task.
    case warning
    /// Something failed.
    case error

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    /// Orders levels by severity.
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}
