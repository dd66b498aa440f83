import Foundation
import TaskKit

/// What a schedule does about firings missed while the host was down (or asleep).
public enum CatchUpPolicy: String, Sendable, Codable, CaseIterable {
    /// Run none of them.
    case skip
    /// Run one task for the whole missed window, for its latest firing (the default).
    case latest
    /// Run one task per missed firing, up to the schedule's `maxCatchUp` most recent.
    case all
}

/// What a schedule does when it fires while its previous task has not ended.
public enum OverlapPolicy: String, Sendable, Codable, CaseIterable {
    /// Skip the firing, and record why (the default).
    case skip
    /// Keep one firing waiting and run it when the previous task ends.
    case queue
    /// Start the new task anyway.
    case allow
}

/// A schedule as stored and shown: a task template and when it fires.
public struct ScheduleRecord: Sendable, Codable, Equatable {
    /// 32 hex characters; any unique prefix works in the CLI.
    public var id: String
    /// A display name, if given.
    public var name: String?
    /// The task type each firing starts.
    public var type: String
    /// The validated parameters each task gets.
    public var parameters: TaskParameters
    /// How each task runs (priority, retries, timeout, tags, isolation).
    public var options: SubmitOptions
    /// When it fires.
    public var timing: ScheduleTiming
    /// Firings missed while the host was down.
    public var catchUp: CatchUpPolicy
    /// With catch-up `all`: at most this many missed firings run.
    public var maxCatchUp: Int
    /// A firing while the previous task has not ended.
    public var overlap: OverlapPolicy
    /// A paused schedule fires nothing until resumed.
    public var paused: Bool
    /// Its next firing (nil: it never fires again).
    public var nextAt: Date?
    /// With overlap `queue`: the firing waiting for the previous task to end.
    public var queuedFor: Date?
    /// The scheduled time of its last task.
    public var lastFiredFor: Date?
    /// Its last task.
    public var lastTaskID: String?
    /// Tasks it has started.
    public var fired: Int
    /// Firings that started no task (overlap, catch-up, an unavailable type).
    public var skipped: Int
    /// Why the last skipped firing was skipped.
    public var lastSkip: String?
    /// When it was added.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date
}
