import Foundation

/// A schedule's row change when it fires (or skips a firing), written in the same transaction
/// as the task it starts: the task and the advance commit together or not at all.
struct ScheduleAdvance: Sendable {
    let scheduleID: String
    /// The next firing (nil: never again).
    let nextAt: Date?
    /// The firing waiting for the previous task (overlap queue), or nil.
    let queuedFor: Date?
    /// How many tasks this firing started, and the last of them with its scheduled time.
    var firedCount = 0
    var lastFired: (taskID: String, scheduledFor: Date)?
    /// Firings that started no task, and why.
    var skipped = 0
    var skipReason: String?
}
