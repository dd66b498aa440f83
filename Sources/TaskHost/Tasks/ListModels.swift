import Foundation

// Every list the API answers and the CLI prints with --json is an object holding a named list,
// never a bare array: a field can be added later without breaking a reader.

/// `GET /v1/types`: the registered task types.
public struct TypeList: Sendable, Codable, Equatable {
    /// The types, by name.
    public var types: [TaskTypeInfo]

    /// Creates a list.
    public init(types: [TaskTypeInfo]) { self.types = types }
}

/// `GET /v1/schedules`: every schedule.
public struct ScheduleList: Sendable, Codable, Equatable {
    /// The schedules, oldest first.
    public var schedules: [ScheduleRecord]

    /// Creates a list.
    public init(schedules: [ScheduleRecord]) { self.schedules = schedules }
}

/// `GET /v1/audit`: a page of audit events, oldest first.
public struct AuditPage: Sendable, Codable, Equatable {
    /// The events.
    public var events: [AuditEntry]
    /// Pass as `after` for the next page; absent when this page was the last.
    public var nextCursor: Int64?

    /// Creates a page.
    public init(events: [AuditEntry], nextCursor: Int64?) {
        self.events = events
        self.nextCursor = nextCursor
    }
}

/// `GET /v1/tasks/{id}/logs`: a page of a task's log lines, oldest first.
public struct LogPage: Sendable, Codable, Equatable {
    /// The lines.
    public var lines: [TaskLogEntry]
    /// Pass as `after` for the next page; absent when this page was the last.
    public var nextCursor: Int64?

    /// Creates a page.
    public init(lines: [TaskLogEntry], nextCursor: Int64?) {
        self.lines = lines
        self.nextCursor = nextCursor
    }
}

/// Tasks acted on (`pause`, `resume`, `stop`, `restart` with --json): each as it is now.
public struct TaskList: Sendable, Codable, Equatable {
    /// The tasks, in the order they were named.
    public var tasks: [TaskRecord]

    /// Creates a list.
    public init(tasks: [TaskRecord]) { self.tasks = tasks }
}

/// `GET /v1/schedules/{id}/next` and `/v1/schedules/preview`: when something fires.
public struct FiringList: Sendable, Codable, Equatable {
    /// One firing: the instant in UTC, and the wall-clock time where the schedule is read.
    public struct Firing: Sendable, Codable, Equatable {
        /// UTC, ISO 8601 with `Z`.
        public var at: String
        /// The same instant in `timeZone`, ISO 8601 with its offset (`2026-03-29T03:00:00+02:00`).
        public var local: String
    }

    /// The IANA zone `local` is given in (the cron expression's; UTC for an interval).
    public var timeZone: String
    /// The firings, earliest first.
    public var firings: [Firing]

    /// The firings `dates`, shown in `zone` (UTC when it does not resolve).
    public init(_ dates: [Date], timeZone zone: String) {
        let resolved = TimeZone(identifier: zone) ?? TimeZone(identifier: "UTC") ?? .current
        timeZone = zone
        firings = dates.map { Firing(at: ISOTime.utc($0), local: ISOTime.text($0, in: resolved)) }
    }
}

extension ScheduleTiming {
    /// The zone its times are read in: the cron expression's, UTC for an interval.
    public var displayZone: String {
        switch self {
        case .cron(_, let zone): zone
        case .every: "UTC"
        }
    }
}
