import Foundation

extension ScheduleTiming {
    /// Where an interval counts from: an interval that divides a day is aligned to the clock
    /// (every 10m fires at :00, :10, …), others count from `now`'s whole second.
    public static func anchor(every seconds: Int, from now: Date) -> Date {
        guard seconds > 0, 86_400 % seconds != 0 else { return Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
    }

    /// The next `count` firings after `date` (at most 10,000).
    public func firings(after date: Date, count: Int) -> [Date] {
        var times: [Date] = []
        var cursor = nextFiring(after: date)
        while let time = cursor, times.count < max(1, min(count, 10_000)) {
            times.append(time)
            cursor = nextFiring(after: time)
        }
        return times
    }

    /// "cron '30 2 * * *' (Europe/Berlin)" or "every 10m".
    public var summary: String {
        switch self {
        case .cron(let expression, let zone): "cron '\(expression)' (\(zone))"
        case .every(let seconds, _): "every \(Self.durationText(seconds))"
        }
    }

    /// 90 → "90s", 600 → "10m", 7200 → "2h", 86400 → "1d".
    static func durationText(_ seconds: Int) -> String {
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] where seconds % size == 0 { return "\(seconds / size)\(unit)" }
        return "\(seconds)s"
    }

    /// A UTC ISO 8601 time with a `Z` (fractions of a second only when there are some).
    public static func iso(_ date: Date) -> String { ISOTime.utc(date) }
}
