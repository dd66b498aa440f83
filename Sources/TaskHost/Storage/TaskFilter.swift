/// Which tasks `list` returns, newest first, a page at a time.
public struct TaskFilter: Sendable, Equatable {
    /// Only these statuses (empty: all).
    public var statuses: [TaskStatus]
    /// Only this type.
    public var type: String?
    /// Only tasks carrying all these tags.
    public var tags: [String: String]
    /// Only tasks created by this schedule.
    public var schedule: String? = nil
    /// At most this many.
    public var limit: Int
    /// Continue after this cursor (the `nextCursor` of the previous page).
    public var cursor: Int64?

    /// Creates a filter; the default lists the newest 100 tasks.
    public init(statuses: [TaskStatus] = [], type: String? = nil, tags: [String: String] = [:], limit: Int = 100, cursor: Int64? = nil) {
        self.statuses = statuses
        self.type = type
        self.tags = tags
        self.limit = limit
        self.cursor = cursor
    }
}

/// One page of `list`.
public struct TaskPage: Sendable, Codable, Equatable {
    /// The tasks, newest first, without parameters and results (`record` / `show` has them).
    public var tasks: [TaskSummary]
    /// Pass as `cursor` for the next page; nil when this was the last.
    public var nextCursor: Int64?

    /// Creates a page.
    public init(tasks: [TaskSummary], nextCursor: Int64?) {
        self.tasks = tasks
        self.nextCursor = nextCursor
    }
}
