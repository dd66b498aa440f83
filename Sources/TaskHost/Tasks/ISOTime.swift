import Foundation

/// ISO 8601 text of instants, one way for the whole host: the API, the CLI and messages.
public enum ISOTime {
    /// The instant in UTC with `Z`; fractions of a second only when it has some (or never, with `wholeSeconds`).
    public static func utc(_ date: Date, wholeSeconds: Bool = false) -> String {
        text(date, in: utcZone, wholeSeconds: wholeSeconds)
    }

    /// The instant as the wall clock in `zone` reads it, with the zone's offset then (`2026-03-29T03:00:00+02:00`).
    public static func text(_ date: Date, in zone: TimeZone, wholeSeconds: Bool = false) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        let whole = wholeSeconds || date.timeIntervalSince1970 == date.timeIntervalSince1970.rounded()
        formatter.formatOptions = whole ? [.withInternetDateTime] : [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// The instant `text` names: ISO 8601 with a zone (`Z` or an offset), with or without fractions of a second.
    public static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    private static let utcZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current
}
