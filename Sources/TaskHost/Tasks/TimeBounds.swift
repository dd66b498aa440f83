import Foundation
import TaskKit

/// The range every date and duration must fall in, wherever it comes from (CLI, API, embedding
/// API, a plugin's settings, a stored row), and the clamping that keeps a timed wait from trapping.
///
/// Foundation's timed waits convert their deadline to whole nanoseconds and trap on overflow, so
/// a year-3026 date or a `1e300` delay used to kill the host — on every restart, since the row
/// was stored first. Values are refused where they enter and clamped where they are used.
public enum TimeBounds {
    /// The longest duration and the farthest future date accepted: 100 years.
    public static let maxSeconds: Double = 100 * 365.25 * 86_400
    /// The longest a timed wait sleeps before it looks again (any later deadline is re-checked then).
    static let maxWaitSeconds: Double = 3600

    /// Why `seconds` is not a usable duration for `field`, or nil if it is.
    /// `allowZero`: a delay may be 0; a timeout may not.
    public static func durationProblem(_ seconds: Double, field: String, allowZero: Bool) -> String? {
        let lower = allowZero ? "0 or more" : "more than 0"
        guard seconds.isFinite, allowZero ? seconds >= 0 : seconds > 0, seconds <= maxSeconds else {
            return "\(field) \(Self.describe(seconds)) s is out of range: it must be \(lower) and at most \(Int(maxSeconds)) s (100 years)"
        }
        return nil
    }

    /// Why `date` is not a usable start time for `field`, or nil if it is (past dates mean "now").
    public static func dateProblem(_ date: Date, field: String, now: Date = Date()) -> String? {
        let seconds = date.timeIntervalSince1970
        let latest = now.timeIntervalSince1970 + maxSeconds
        guard seconds.isFinite, seconds >= 0, seconds <= latest else {
            return "\(field) \(Self.iso(seconds)) is out of range: it must be between 1970-01-01T00:00:00Z and \(Self.iso(latest)) (100 years from now)"
        }
        return nil
    }

    /// A deadline that a timed wait can take: never past `now + maxWaitSeconds`, never non-finite.
    static func waitDeadline(_ wake: Double, now: Double) -> Date {
        let bounded = wake.isFinite ? min(max(wake, now + 0.001), now + maxWaitSeconds) : now + maxWaitSeconds
        return Date(timeIntervalSince1970: bounded)
    }

    /// `seconds` from now, clamped to the accepted range (for values a plugin or a row supplies).
    static func clampedDuration(_ seconds: Double) -> Double {
        guard seconds.isFinite else { return seconds.isNaN ? 0 : maxSeconds }
        return min(max(seconds, 0), maxSeconds)
    }

    /// An ISO 8601 UTC text for any number of seconds since 1970, even one no date can hold.
    static func iso(_ seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e12 else { return describe(seconds) + " s since 1970" }
        return ISOTime.utc(Date(timeIntervalSince1970: seconds), wholeSeconds: true)
    }

    /// A number as a person can read it, cut short if huge.
    static func describe(_ value: Double) -> String {
        if !value.isFinite { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        if abs(value) >= 1e15 { return String(format: "%.3g", value) }
        return value == value.rounded() ? String(Int64(value)) : String(value)
    }
}

extension TaskTypeSettings {
    /// The plugin's settings with every number forced into the accepted range: a plugin is not
    /// trusted to declare a finite timeout or backoff.
    func sanitized() -> TaskTypeSettings {
        var settings = self
        settings.retries = min(max(retries, 0), 1000)
        settings.maxConcurrentRuns = maxConcurrentRuns.map { max(1, $0) }
        settings.backoff = backoff.sanitized()
        if let timeout = timeoutSeconds, !(timeout.isFinite && timeout > 0) { settings.timeoutSeconds = nil }
        settings.timeoutSeconds = settings.timeoutSeconds.map(TimeBounds.clampedDuration)
        return settings
    }
}

extension Backoff {
    /// Base and cap within 0...100 years, factor within 1...1000.
    func sanitized() -> Backoff {
        Backoff(
            baseSeconds: TimeBounds.clampedDuration(baseSeconds), factor: factor.isFinite ? min(max(factor, 1), 1000) : 1,
            capSeconds: TimeBounds.clampedDuration(capSeconds))
    }
}
