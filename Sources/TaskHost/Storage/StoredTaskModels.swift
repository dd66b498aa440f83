import Foundation
import TaskKit

/// A task as the scheduler needs it: small enough to hold 100,000 of in memory.
struct SchedulableTask: Sendable {
    let id: String
    let type: String
    let status: TaskStatus
    let priority: Int
    let seq: Int64
    let runAt: Double?
    let attempt: Int
    let timeoutSeconds: Double?
    let retriesUsed: Int
    let maxRetries: Int
    let backoff: Backoff
    let isolation: TaskIsolation
    let memoryLimitBytes: Int?
    let cpuLimitSeconds: Int?
    let requeueOnInterrupt: Bool
}

/// What start-up recovery changed.
public struct RecoveryReport: Sendable, Equatable, Codable {
    /// Tasks that were running at the crash and are now interrupted.
    public var interrupted: Int
    /// Tasks that were running at the crash and went back to pending (requeue-on-interrupt).
    public var requeued: Int
    /// Paused tasks, still paused.
    public var paused: Int
    /// Pending tasks (including requeued ones).
    public var pending: Int
    /// Tasks failed by the crash-loop rule: running during this and the previous unclean host death ("id (type)").
    public var suspects: [String] = []
    /// Schedules that missed firings while the host was down, and what their catch-up does now.
    public var catchUps: [ScheduleCatchUp] = []
}

/// What a schedule that missed firings while the host was down does about them at start-up.
public struct ScheduleCatchUp: Sendable, Equatable, Codable {
    /// The schedule.
    public var scheduleID: String
    /// Its name, if it has one.
    public var name: String?
    /// Its catch-up policy.
    public var policy: CatchUpPolicy
    /// The missed firing times that get a task now, oldest first.
    public var running: [Date]
    /// Missed firings that get no task.
    public var skipped: Int
}

/// The crash-loop rule: a task running during this many consecutive unclean host deaths is failed, not run again.
public let hostDeathsBeforeSuspect = 2

/// What start-up does with the tasks a host death cut off: the manager's rules, which a storage
/// backend applies in one transaction without knowing why.
struct RecoveryPolicy: Sendable {
    /// A thread-isolated task running at this many consecutive host deaths is failed as a suspect.
    var suspectAfterHostDeaths: Int
    /// The error a suspect is failed with.
    var suspectMessage: String
    /// The error an interrupted task gets.
    var interruptedMessage: String
    /// Why a requeued task waits.
    var requeuedReason: String
    /// Task types whose paused attempt died with the host (a frozen command's guard kills it): they count as running.
    var typesFrozenAttemptsDie: [String]

    /// taskhost's rules.
    static let host = RecoveryPolicy(
        suspectAfterHostDeaths: hostDeathsBeforeSuspect,
        suspectMessage: "suspected of crashing the host (\(hostDeathsBeforeSuspect) host deaths while it ran); not run again — fix or isolate the plugin, then restart the task",
        interruptedMessage: "interrupted: the host died while it ran (crash or kill, not a clean shutdown)",
        requeuedReason: "requeued after the host died while it ran (crash or kill, not a clean shutdown)",
        typesFrozenAttemptsDie: [ShellTask.name])
}
