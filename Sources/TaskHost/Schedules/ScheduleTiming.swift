import Foundation

/// When a scheduled task fires: a cron expression read in a named time zone, or a fixed interval from an anchor.
///
/// JSON: `{"cron": "30 2 * * *", "timeZone": "Europe/Berlin"}` or `{"everySeconds": 600, "anchor": 1767225600}`
/// (anchor in Unix seconds). Decoding validates what `init(cron:timeZone:)` and `init(everySeconds:anchor:)` do.
public enum ScheduleTiming: Sendable, Equatable, Hashable, Codable {
    /// Fires as the expression says, in the wall-clock time of the IANA zone named `timeZone`.
    case cron(CronExpression, timeZone: String)
    /// Fires at `anchor + k × seconds` for every whole k ≥ 1.
    case every(seconds: Int, anchor: Date)

    /// A cron schedule, refusing a bad expression or an unknown zone.
    public init(cron text: String, timeZone: String) throws(CronError) {
        let expression = try CronExpression(text)
        _ = try CronExpression.zone(timeZone)
        self = .cron(expression, timeZone: timeZone)
    }

    /// An interval schedule, refusing intervals under one second and a non-finite anchor.
    public init(everySeconds seconds: Int, anchor: Date) throws(CronError) {
        guard seconds >= 1 else {
            throw CronError("interval must be at least 1 second, got \(seconds)")
        }
        guard anchor.timeIntervalSince1970.isFinite else {
            throw CronError("interval anchor must be a finite time")
        }
        self = .every(seconds: seconds, anchor: anchor)
    }

    /// The first firing strictly after `date`; nil if there is none within reach (or the zone no longer resolves).
    public func nextFiring(after date: Date) -> Date? {
        switch self {
        case .cron(let expression, let zoneName):
            guard let zone = TimeZone(identifier: zoneName) else { return nil }
            return expression.nextFiring(after: date, in: zone)
        case .every(let seconds, let anchor):
            return Self.nextTick(after: date, period: seconds, anchor: anchor)
        }
    }

    /// `anchor + k × period` for the smallest whole k ≥ 1 that lands strictly after `date`.
    private static func nextTick(after date: Date, period: Int, anchor: Date) -> Date? {
        guard period >= 1 else { return nil }
        let start = anchor.timeIntervalSince1970
        let now = date.timeIntervalSince1970
        let step = Double(period)
        guard start.isFinite, now.isFinite else { return nil }
        let elapsed = now - start
        var multiple = elapsed < 0 ? 1 : (elapsed / step).rounded(.down) + 1
        // Past 2^53 whole multiples are no longer exact in a Double; nothing real is scheduled that far out.
        guard multiple.isFinite, multiple <= 9_007_199_254_740_992 else { return nil }
        var next = start + multiple * step
        // Rounding can leave `next` on or just before `date`; one or two more periods always clear it.
        var extraSteps = 0
        while next <= now {
            guard extraSteps < 3 else { return nil }
            multiple += 1
            next = start + multiple * step
            extraSteps += 1
        }
        return next.isFinite ? Date(timeIntervalSince1970: next) : nil
    }

    private enum CodingKeys: String, CodingKey {
        case cron, timeZone, everySeconds, anchor
    }

    /// Decodes either JSON shape, refusing bad expressions, unknown zones and intervals under one second.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch (container.contains(.cron), container.contains(.everySeconds)) {
        case (true, false):
            let text = try container.decode(String.self, forKey: .cron)
            let zoneName = try container.decode(String.self, forKey: .timeZone)
            let expression: CronExpression
            do { expression = try CronExpression(text) } catch {
                throw DecodingError.dataCorruptedError(forKey: .cron, in: container, debugDescription: error.message)
            }
            do { _ = try CronExpression.zone(zoneName) } catch {
                throw DecodingError.dataCorruptedError(forKey: .timeZone, in: container, debugDescription: error.message)
            }
            self = .cron(expression, timeZone: zoneName)
        case (false, true):
            let seconds = try container.decode(Int.self, forKey: .everySeconds)
            let anchor = try container.decode(Double.self, forKey: .anchor)
            do { self = try ScheduleTiming(everySeconds: seconds, anchor: Date(timeIntervalSince1970: anchor)) } catch {
                throw DecodingError.dataCorruptedError(forKey: .everySeconds, in: container, debugDescription: error.message)
            }
        case (true, true):
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "a schedule has either 'cron' or 'everySeconds', not both"))
        case (false, false):
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a schedule needs 'cron' (with 'timeZone') or 'everySeconds' (with 'anchor')"))
        }
    }

    /// Encodes the expression text and zone name, or the interval and the anchor in Unix seconds.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .cron(let expression, let zoneName):
            try container.encode(expression.description, forKey: .cron)
            try container.encode(zoneName, forKey: .timeZone)
        case .every(let seconds, let anchor):
            try container.encode(seconds, forKey: .everySeconds)
            try container.encode(anchor.timeIntervalSince1970, forKey: .anchor)
        }
    }
}
