import Foundation
import TaskHost

/// Text helpers for human output.
enum Formatting {
    /// "12s ago", "3m ago", "in 2h", "just now".
    static func relative(_ date: Date?, now: Date = Date()) -> String {
        guard let date else { return "-" }
        let seconds = date.timeIntervalSince(now)
        let text = duration(abs(seconds))
        if abs(seconds) < 1 { return "just now" }
        return seconds < 0 ? "\(text) ago" : "in \(text)"
    }

    /// "45s", "3m", "2h5m", "4d".
    static func duration(_ seconds: Double) -> String {
        // A stored value may be anything (an old row, a hand edit): never trap on it.
        guard seconds.isFinite, abs(seconds) < 1e12 else { return "forever" }
        let total = Int(seconds.rounded())
        switch total {
        case ..<60: return "\(total)s"
        case ..<3600: return "\(total / 60)m" + (total % 60 > 0 && total < 600 ? "\(total % 60)s" : "")
        case ..<86_400: return "\(total / 3600)h" + (total % 3600 >= 60 ? "\((total % 3600) / 60)m" : "")
        default: return "\(total / 86_400)d" + (total % 86_400 >= 3600 ? "\((total % 86_400) / 3600)h" : "")
        }
    }

    /// "42%", "17/?" or "-".
    static func progress(_ progress: TaskProgress?) -> String {
        guard let progress else { return "-" }
        if let fraction = progress.fraction { return "\(Int((fraction * 100).rounded(.down)))%" }
        return "\(progress.completed)/?"
    }

    /// `[#########.........]  42%  message`
    static func progressBar(_ progress: TaskProgress?, width: Int = 30) -> String {
        guard let progress, let fraction = progress.fraction else {
            return "[" + String(repeating: "?", count: width) + "]  \(progress.map { "\($0.completed)" } ?? "-")"
        }
        let filled = min(width, max(0, Int((fraction * Double(width)).rounded(.down))))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return "[\(bar)] \(String(format: "%3d", Int(fraction * 100)))%" + (progress.message.map { "  \($0)" } ?? "")
    }

    /// Aligns rows under a header into columns separated by two spaces.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    /// A short id for tables: 12 characters are unique in practice; any unique prefix works.
    static func shortID(_ id: String) -> String { String(id.prefix(12)) }
}

/// Parses "30s", "10m", "2h", "7d", "1h30m", "250ms" or plain seconds.
enum DurationParser {
    /// The seconds `text` stands for, or a usage error naming `flag`, the value and the allowed range.
    /// A bare number other than 0 is refused: `--timeout 5` could mean seconds or minutes.
    static func checked(_ text: String, flag: String, allowZero: Bool) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("-"), let magnitude = seconds(String(trimmed.dropFirst())),
            let problem = TimeBounds.durationProblem(-magnitude, field: flag, allowZero: allowZero)
        {
            throw CLIError.usage(problem)
        }
        if let number = Double(trimmed), number != 0 {
            if let problem = TimeBounds.durationProblem(number, field: flag, allowZero: allowZero) { throw CLIError.usage(problem) }
            throw CLIError.usage("\(flag) '\(text.clippedForMessage)' needs a unit: \(trimmed)s, \(trimmed)m or \(trimmed)h (a bare number is ambiguous)")
        }
        guard let seconds = seconds(trimmed) else {
            throw CLIError.usage("\(flag) '\(text.clippedForMessage)' is not a duration (try 30s, 10m, 2h, 7d)")
        }
        if let problem = TimeBounds.durationProblem(seconds, field: flag, allowZero: allowZero) { throw CLIError.usage(problem) }
        return seconds
    }

    static func seconds(_ text: String) -> Double? {
        if let plain = Double(text), plain >= 0 { return plain.isFinite ? plain : nil }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800)]
        var total = 0.0
        var number = ""
        var rest = Substring(text.lowercased())
        while let character = rest.first {
            if character.isNumber || character == "." {
                number.append(character)
                rest = rest.dropFirst()
                continue
            }
            guard let value = Double(number), let (unit, factor) = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            total += value * factor
            number = ""
            rest = rest.dropFirst(unit.count)
        }
        return number.isEmpty && total >= 0 && total.isFinite && !text.isEmpty ? total : nil
    }
}
