import Foundation

/// What a schedule does when woken at `now` with its next firing `due` ≤ now: which scheduled
/// times get a task, how many get none, and its next firing after now. Pure, table-tested.
public struct FiringPlan: Sendable, Equatable {
    /// Scheduled times to start a task for, oldest first.
    public var fire: [Date]
    /// Due firings that start no task (the catch-up policy), and the scheduled times seen.
    public var missed: Int
    /// The first firing after `now` (nil: never again).
    public var next: Date?

    /// Creates a plan.
    public init(fire: [Date], missed: Int, next: Date?) {
        self.fire = fire
        self.missed = missed
        self.next = next
    }

    /// A firing later than this is missed (the host was down or asleep), not merely late.
    public static let onTimeWithin = 5.0

    /// How many missed firings are looked at, at most, before jumping to the last week.
    static let scanLimit = 20_000

    /// The plan for `timing` at `now`, its firing `due` being due.
    public static func make(timing: ScheduleTiming, due: Date, now: Date, catchUp: CatchUpPolicy, maxCatchUp: Int) -> FiringPlan {
        let keep = catchUp == .all ? max(1, min(maxCatchUp, 10_000)) : 1
        var latest: [Date] = []
        var count = 0
        var cursor: Date? = due
        // A long outage with a short interval: jump to the last `keep` firings instead of walking.
        if case .every(let seconds, _) = timing, seconds > 0, now.timeIntervalSince(due) / Double(seconds) > Double(keep + 2) {
            let steps = (now.timeIntervalSince(due) / Double(seconds)).rounded(.down)
            let skipped = min(max(0, steps - Double(keep)), 1e15)
            count = Int(skipped)
            cursor = due.addingTimeInterval(skipped * Double(seconds))
        }
        var scanned = 0
        while let time = cursor, time <= now {
            if scanned == scanLimit {
                // A long outage of a frequent cron schedule: what was walked is counted as missed, and
                // the walk goes on from the shortest recent window that holds a firing (an hour, a
                // week, a year), so the firings run are the latest ones (the missed count is then a floor).
                scanned += 1
                for window: Double in [3600, 7 * 86_400, 400 * 86_400] {
                    let start = now.addingTimeInterval(-window)
                    if start > time, let resumed = timing.nextFiring(after: start), resumed <= now {
                        latest = []
                        cursor = resumed
                        break
                    }
                }
                continue
            }
            count += 1
            scanned += 1
            latest.append(time)
            if latest.count > keep { latest.removeFirst(latest.count - keep) }
            cursor = timing.nextFiring(after: time)
        }
        let next = cursor.map { $0 > now ? $0 : timing.nextFiring(after: now) } ?? nil
        guard let last = latest.last else { return FiringPlan(fire: [], missed: 0, next: next) }
        let onTime = now.timeIntervalSince(last) <= onTimeWithin
        if count == 1 && onTime { return FiringPlan(fire: [last], missed: 0, next: next) }
        switch catchUp {
        case .skip:
            // The firing due now still runs; only the ones missed before it are skipped.
            return onTime ? FiringPlan(fire: [last], missed: count - 1, next: next) : FiringPlan(fire: [], missed: count, next: next)
        case .latest:
            return FiringPlan(fire: [last], missed: count - 1, next: next)
        case .all:
            return FiringPlan(fire: latest, missed: count - latest.count, next: next)
        }
    }
}
