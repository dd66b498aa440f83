import Foundation
import TaskKit

/// Size limits on what callers and tasks may store; `taskhost serve` sets them (README "Limits").
public struct TaskLimits: Sendable, Equatable {
    /// Largest result a task may return, as JSON bytes (default 1 MiB); a larger one fails the attempt.
    public var maxResultBytes: Int
    /// Largest parameter set, as JSON bytes (default 64 KiB).
    public var maxParameterBytes: Int
    /// Most tags per task (default 32).
    public var maxTags: Int
    /// Longest tag key or value, in bytes (default 256).
    public var maxTagBytes: Int
    /// Longest log line, in bytes (default 64 KiB); a longer line is cut and says so.
    public var maxLogLineBytes: Int
    /// Largest saved state, in bytes (default 16 MiB); `saveState` throws past it.
    public var maxSavedStateBytes: Int

    /// Creates limits; every argument has the documented default.
    public init(
        maxResultBytes: Int = 1 << 20, maxParameterBytes: Int = 64 << 10, maxTags: Int = 32, maxTagBytes: Int = 256,
        maxLogLineBytes: Int = 64 << 10, maxSavedStateBytes: Int = 16 << 20
    ) {
        self.maxSavedStateBytes = max(1024, maxSavedStateBytes)
        self.maxResultBytes = max(16, maxResultBytes)
        self.maxParameterBytes = max(16, maxParameterBytes)
        self.maxTags = max(0, maxTags)
        self.maxTagBytes = max(1, maxTagBytes)
        self.maxLogLineBytes = max(64, maxLogLineBytes)
    }

    /// Problems with `tags`, one per offending tag (names clipped for the message).
    func tagProblems(_ tags: [String: String]) -> [String] {
        var problems: [String] = []
        if tags.count > maxTags { problems.append("\(tags.count) tags given; this host allows at most \(maxTags)") }
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
            if key.isEmpty || key.contains("=") { problems.append("tag key '\(key.clippedForMessage)' must be non-empty without '='") }
            if key.utf8.count > maxTagBytes || value.utf8.count > maxTagBytes {
                problems.append(
                    "tag '\(key.clippedForMessage)' is \(max(key.utf8.count, value.utf8.count)) bytes; this host allows keys and values of at most \(maxTagBytes)")
            }
        }
        return problems
    }

    /// Why parameters of `size` bytes as JSON are too large, or nil.
    func parameterProblem(encodedBytes size: Int) -> String? {
        guard size > maxParameterBytes else { return nil }
        return "parameters are \(ByteCount.text(size)) as JSON; this host allows at most \(ByteCount.text(maxParameterBytes))"
    }

    /// `message` cut to the log line limit, with a note saying how much was cut.
    func clippedLogLine(_ message: String) -> String {
        let size = message.utf8.count
        guard size > maxLogLineBytes else { return message }
        let kept = String(decoding: message.utf8.prefix(maxLogLineBytes), as: UTF8.self)
        return kept + " … [line cut: \(ByteCount.text(size)), limit \(ByteCount.text(maxLogLineBytes))]"
    }
}

/// Byte counts as people read them.
enum ByteCount {
    /// "512 bytes", "64 KB", "1.5 MB" (KB and MB are 1024-based, as the flags are).
    static func text(_ bytes: Int) -> String {
        switch bytes {
        case ..<1024: return "\(bytes) bytes"
        case ..<(1 << 20): return trimmed(Double(bytes) / 1024) + " KB"
        default: return trimmed(Double(bytes) / Double(1 << 20)) + " MB"
        }
    }

    /// "12,345": digits grouped by thousands, whatever the locale.
    static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return (number < 0 ? "-" : "") + out
    }

    private static func trimmed(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}

extension String {
    /// The text as quoted in an error message: at most 80 characters, with the full size when cut.
    public var clippedForMessage: String { clippedForMessage(limit: 80) }

    /// The text cut to about `limit` characters, with the full size when cut.
    public func clippedForMessage(limit: Int) -> String {
        guard count > limit else { return self }
        return String(prefix(max(1, limit - 20))) + "… (\(utf8.count) bytes)"
    }
}
