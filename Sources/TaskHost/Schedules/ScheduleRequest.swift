import Foundation
import TaskKit

/// A new schedule: `POST /v1/schedules` and `taskhost schedule add`.
public struct ScheduleRequest: Sendable, Codable, Equatable {
    /// The task type each firing starts.
    public var type: String
    /// Its parameters (validated when the schedule is added, not at firing time).
    public var parameters: [String: ParameterValue]
    /// How each task runs; delay, at and idempotency key are refused (firings decide when).
    public var options: SubmitOptions
    /// A display name.
    public var name: String?
    /// A cron expression (5 fields, or 6 with leading seconds, or @daily...): this or `everySeconds`.
    public var cron: String?
    /// The cron expression's IANA time zone (default: the host's).
    public var timeZone: String?
    /// A fixed interval in whole seconds (≥ 1): this or `cron`.
    public var everySeconds: Int?
    /// Missed firings (default latest).
    public var catchUp: CatchUpPolicy?
    /// With catch-up all: at most this many (default 100, at most 10,000).
    public var maxCatchUp: Int?
    /// A firing while the previous task runs (default skip).
    public var overlap: OverlapPolicy?

    /// Creates a request.
    public init(
        type: String, parameters: [String: ParameterValue] = [:], options: SubmitOptions = SubmitOptions(), name: String? = nil,
        cron: String? = nil, timeZone: String? = nil, everySeconds: Int? = nil, catchUp: CatchUpPolicy? = nil, maxCatchUp: Int? = nil,
        overlap: OverlapPolicy? = nil
    ) {
        self.type = type
        self.parameters = parameters
        self.options = options
        self.name = name
        self.cron = cron
        self.timeZone = timeZone
        self.everySeconds = everySeconds
        self.catchUp = catchUp
        self.maxCatchUp = maxCatchUp
        self.overlap = overlap
    }

    private enum CodingKeys: String, CodingKey {
        case type, parameters, options, name, cron, timeZone, everySeconds, catchUp, maxCatchUp, overlap
    }

    /// Decodes; everything but `type` and one of `cron`/`everySeconds` may be omitted.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        parameters = (try container.decodeIfPresent([String: RequestParameter].self, forKey: .parameters) ?? [:]).mapValues(\.value)
        options = try container.decodeIfPresent(SubmitOptions.self, forKey: .options) ?? SubmitOptions()
        name = try container.decodeIfPresent(String.self, forKey: .name)
        cron = try container.decodeIfPresent(String.self, forKey: .cron)
        timeZone = try container.decodeIfPresent(String.self, forKey: .timeZone)
        everySeconds = try container.decodeIfPresent(Int.self, forKey: .everySeconds)
        catchUp = try container.decodeIfPresent(CatchUpPolicy.self, forKey: .catchUp)
        maxCatchUp = try container.decodeIfPresent(Int.self, forKey: .maxCatchUp)
        overlap = try container.decodeIfPresent(OverlapPolicy.self, forKey: .overlap)
    }

    /// The timing this request asks for; the error names what is wrong.
    public func timing(now: Date, hostTimeZone: String = TimeZone.current.identifier) throws(TaskHostError) -> ScheduleTiming {
        do {
            switch (cron, everySeconds) {
            case (let expression?, nil):
                return try ScheduleTiming(cron: expression, timeZone: timeZone ?? hostTimeZone)
            case (nil, let seconds?):
                guard timeZone == nil else { throw TaskHostError.invalidOption("a time zone applies to cron schedules only; leave it out with an interval") }
                guard seconds <= 100 * 366 * 86_400 else { throw TaskHostError.invalidOption("interval \(seconds) s is over 100 years") }
                return try ScheduleTiming(everySeconds: seconds, anchor: ScheduleTiming.anchor(every: seconds, from: now))
            case (nil, nil):
                throw TaskHostError.invalidOption("a schedule needs --cron 'EXPR' or --every DURATION (cron or everySeconds)")
            case (_?, _?):
                throw TaskHostError.invalidOption("give either a cron expression or an interval, not both")
            }
        } catch let error as CronError {
            throw .invalidOption(error.message)
        } catch let error as TaskHostError {
            throw error
        } catch {
            throw .invalidOption("\(error)")
        }
    }
}
