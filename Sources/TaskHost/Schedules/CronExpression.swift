/// A parsed cron expression: 5 fields (minute hour day-of-month month day-of-week), 6 with a leading
/// seconds field, or a macro such as `@daily`. Parsing refuses anything that could never fire.
///
/// Day rule (Vixie cron): when both day fields are restricted — neither starts with `*` or `?` — a day
/// matches if EITHER matches; otherwise both must match.
public struct CronExpression: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The text exactly as given to `init`.
    public let description: String

    let seconds: CronBits
    let minutes: CronBits
    let hours: CronBits
    let daysOfMonth: CronBits
    /// Bits 1...12.
    let months: CronBits
    /// Bits 0...6, Sunday = 0 (a written 7 is stored as 0).
    let daysOfWeek: CronBits
    /// True when the day-of-month field starts with `*` or `?` (Vixie's `DOM_STAR`).
    let dayOfMonthIsStar: Bool
    /// True when the day-of-week field starts with `*` or `?` (Vixie's `DOW_STAR`).
    let dayOfWeekIsStar: Bool

    /// Parses `text`; throws a `CronError` naming the field at fault, or explaining why it never fires.
    public init(_ text: String) throws(CronError) {
        // A bound on work and on message size; real expressions are a few dozen characters.
        let byteLimit = 1000
        guard text.utf8.count <= byteLimit else {
            throw CronError("cron expression is too long (\(text.utf8.count) bytes; at most \(byteLimit))")
        }
        let words = text.split(whereSeparator: \.isWhitespace)
        guard let first = words.first else {
            throw CronError("empty cron expression; expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily")
        }
        var fields = words
        if first.hasPrefix("@") {
            guard words.count == 1, let expansion = Self.expandMacro(first) else {
                throw CronError("unknown macro \(CronError.quote(words.joined(separator: " "))); use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly")
            }
            fields = expansion.split(separator: " ")
        }
        guard fields.count == 5 || fields.count == 6 else {
            throw CronError("expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field, got \(fields.count): \(CronError.quote(fields.joined(separator: " ")))")
        }
        let hasSeconds = fields.count == 6
        let minuteIndex = hasSeconds ? 1 : 0
        seconds = hasSeconds ? try CronField.second.parse(fields[0]) : CronBits(raw: 1)
        minutes = try CronField.minute.parse(fields[minuteIndex])
        hours = try CronField.hour.parse(fields[minuteIndex + 1])
        daysOfMonth = try CronField.dayOfMonth.parse(fields[minuteIndex + 2])
        months = try CronField.month.parse(fields[minuteIndex + 3])
        daysOfWeek = try CronField.dayOfWeek.parse(fields[minuteIndex + 4])
        dayOfMonthIsStar = Self.isStar(fields[minuteIndex + 2])
        dayOfWeekIsStar = Self.isStar(fields[minuteIndex + 4])
        description = text
        try checkSomeDayMatches(dayOfMonthText: fields[minuteIndex + 2], monthText: fields[minuteIndex + 3])
    }

    /// Two expressions are equal when their text is; the parsed fields follow from it.
    public static func == (lhs: CronExpression, rhs: CronExpression) -> Bool {
        lhs.description == rhs.description
    }

    /// Hashes the text, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }

    /// True when the day field must be combined with OR (both restricted), false for AND.
    var daysCombineWithOr: Bool { !dayOfMonthIsStar && !dayOfWeekIsStar }

    private static func isStar(_ field: Substring) -> Bool {
        field.hasPrefix("*") || field.hasPrefix("?")
    }

    private static func expandMacro(_ word: Substring) -> String? {
        // Lowercasing is only worth doing on something macro-sized.
        guard word.utf8.count <= 12 else { return nil }
        switch word.lowercased() {
        case "@yearly", "@annually": return "0 0 1 1 *"
        case "@monthly": return "0 0 1 * *"
        case "@weekly": return "0 0 * * 0"
        case "@daily", "@midnight": return "0 0 * * *"
        case "@hourly": return "0 * * * *"
        default: return nil
        }
    }

    /// Refuses `0 0 30 2 *` and the like. Only the AND case can fail: with OR, every selected weekday fires,
    /// and a valid month/day pair meets every weekday somewhere in the Gregorian cycle.
    private func checkSomeDayMatches(dayOfMonthText: Substring, monthText: Substring) throws(CronError) {
        if daysCombineWithOr { return }
        let longestMonths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]  // February 29 exists in leap years
        var selectedMonths: [Int] = []
        for month in 1...12 where months.contains(month) {
            if let day = daysOfMonth.next(from: 1), day <= longestMonths[month - 1] { return }
            selectedMonths.append(month)
        }
        let days = (1...31).filter { daysOfMonth.contains($0) }
        if days.count == 1, let day = days.first {
            let monthNames = selectedMonths.map { CronField.monthFullNames[$0 - 1] }
            throw CronError("never fires: day-of-month \(day) does not occur in \(Self.orList(monthNames))")
        }
        throw CronError("never fires: no date matches day-of-month \(CronError.quote(dayOfMonthText)) and month \(CronError.quote(monthText))")
    }

    /// `["April", "June", "September"]` → `April, June or September`.
    private static func orList(_ items: [String]) -> String {
        guard let last = items.last, items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + last
    }
}

/// A set of small non-negative integers (0...63) as a bit mask: membership and "next member" are single instructions.
struct CronBits: Sendable, Hashable {
    var raw: UInt64

    func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && raw & (1 << UInt64(value)) != 0
    }

    /// The smallest member ≥ `value`, or nil.
    func next(from value: Int) -> Int? {
        let start = max(value, 0)
        guard start < 64 else { return nil }
        let rest = raw >> UInt64(start)
        return rest == 0 ? nil : start + rest.trailingZeroBitCount
    }
}

/// One of the six cron fields: its name for messages, its value range and its names.
enum CronField {
    case second, minute, hour, dayOfMonth, month, dayOfWeek

    static let monthFullNames = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]

    var name: String {
        switch self {
        case .second: "second"
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    var lowest: Int {
        switch self {
        case .dayOfMonth, .month: 1
        default: 0
        }
    }

    /// The highest value that may be written (7 = Sunday for day-of-week).
    var highest: Int {
        switch self {
        case .second, .minute: 59
        case .hour: 23
        case .dayOfMonth: 31
        case .month: 12
        case .dayOfWeek: 7
        }
    }

    /// Where `*` and `a/n` stop: Sunday is already 0, so day-of-week stops at 6.
    var starHighest: Int { self == .dayOfWeek ? 6 : highest }

    /// Three-letter names; index 0 stands for `lowest`.
    var names: [String] {
        switch self {
        case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        default: []
        }
    }

    var isDayField: Bool { self == .dayOfMonth || self == .dayOfWeek }

    /// A comma-separated list of `*`, `?`, values, ranges, each optionally with `/step`.
    func parse(_ text: Substring) throws(CronError) -> CronBits {
        var raw: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else {
                throw CronError("\(name) \(CronError.quote(text)) has an empty list item")
            }
            raw |= try parseItem(item)
        }
        if self == .dayOfWeek, raw & (1 << 7) != 0 {
            raw = (raw & ~(1 << 7)) | 1  // 7 is another spelling of Sunday
        }
        return CronBits(raw: raw)
    }

    private func parseItem(_ item: Substring) throws(CronError) -> UInt64 {
        let slashParts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard slashParts.count <= 2 else {
            throw CronError("\(name) \(CronError.quote(item)) has more than one '/'")
        }
        let step = slashParts.count == 2 ? try parseStep(slashParts[1], item: item) : 1
        let base = slashParts[0]
        let low: Int
        let high: Int
        if base == "*" || base == "?" {
            guard base == "*" || isDayField else {
                throw CronError("'?' is only allowed in day-of-month and day-of-week, not in \(name)")
            }
            low = lowest
            high = starHighest
        } else {
            let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2 else {
                throw CronError("\(name) \(CronError.quote(item)) is not a valid range; write a-b")
            }
            guard bounds.allSatisfy({ !$0.isEmpty }) else {
                throw CronError("\(name) \(CronError.quote(item)) is missing a value")
            }
            low = try value(bounds[0])
            if bounds.count == 2 {
                var end = try value(bounds[1])
                // `FRI-SUN` means Friday through Sunday, so a named Sunday closing a range is the 7 spelling.
                if self == .dayOfWeek, end == 0, low > 0, !Self.isDigits(bounds[1]) { end = 7 }
                guard low <= end else {
                    throw CronError("\(name) range \(CronError.clip(bounds[0]))-\(CronError.clip(bounds[1])) is reversed")
                }
                high = end
            } else {
                high = slashParts.count == 2 ? max(low, starHighest) : low  // `a/n` runs from a to the field's end
            }
        }
        var raw: UInt64 = 0
        var current = low
        while current <= high {  // at most 64 rounds: values are checked against the field range
            raw |= 1 << UInt64(current)
            current += step
        }
        return raw
    }

    private func parseStep(_ text: Substring, item: Substring) throws(CronError) -> Int {
        guard !text.isEmpty else {
            throw CronError("\(name) \(CronError.quote(item)) is missing its step after '/'")
        }
        guard Self.isDigits(text) else {
            throw CronError("step \(CronError.quote(text)) in \(name) \(CronError.quote(item)) is not a number")
        }
        let span = starHighest - lowest + 1
        // Int(_:) returns nil past Int.max; such a step is simply out of range.
        guard let step = Int(text), step <= span else {
            throw CronError("step \(CronError.clip(text)) in \(name) \(CronError.quote(item)) is out of range 1-\(span)")
        }
        guard step >= 1 else {
            throw CronError("step \(CronError.clip(text)) in \(name) \(CronError.quote(item)) must be at least 1")
        }
        return step
    }

    private func value(_ token: Substring) throws(CronError) -> Int {
        if Self.isDigits(token) {
            guard let number = Int(token), number >= lowest, number <= highest else {
                throw CronError("\(name) \(CronError.clip(token)) is out of range \(lowest)-\(highest)")
            }
            return number
        }
        let names = names
        if token.utf8.count == 3, let index = names.firstIndex(of: token.uppercased()) {
            return lowest + index
        }
        switch self {
        case .month: throw CronError("month \(CronError.quote(token)) is neither a number nor a name (JAN-DEC)")
        case .dayOfWeek: throw CronError("day-of-week \(CronError.quote(token)) is neither a number nor a name (SUN-SAT)")
        default: throw CronError("\(name) \(CronError.quote(token)) is not a number")
        }
    }

    /// ASCII digits only: `Character.isNumber` would also accept `٣` or `½`.
    static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
