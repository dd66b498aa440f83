import Foundation
import TaskKit

extension TaskManager {
    /// Adds a schedule after checking it as a submit would (type, parameters, options), so a bad
    /// one is refused now, not at its first firing.
    public func addSchedule(_ request: ScheduleRequest, actor: String = "api") throws(TaskHostError) -> ScheduleRecord {
        let now = Date()
        let options = request.options
        guard options.delaySeconds == nil, options.runAt == nil, options.idempotencyKey == nil else {
            throw .invalidOption("a schedule's tasks start when it fires; leave out delay, at and the idempotency key")
        }
        let timing = try request.timing(now: now)
        let prepared = try prepare(SubmitRequest(type: request.type, parameters: request.parameters, options: options), now: now)
        let maxCatchUp = request.maxCatchUp ?? 100
        guard (1...10_000).contains(maxCatchUp) else { throw .invalidOption("max catch-up \(maxCatchUp) is out of range 1-10000") }
        guard let next = timing.nextFiring(after: now) else { throw .invalidOption("this schedule never fires") }
        let schedule = ScheduleRecord(
            id: Self.newTaskID(), name: request.name, type: request.type, parameters: prepared.record.parameters, options: options,
            timing: timing, catchUp: request.catchUp ?? .latest, maxCatchUp: maxCatchUp, overlap: request.overlap ?? .skip, paused: false,
            nextAt: next, queuedFor: nil, lastFiredFor: nil, lastTaskID: nil, fired: 0, skipped: 0, lastSkip: nil, createdAt: now,
            updatedAt: now)
        try storage.insertSchedule(schedule, actor: actor)
        scheduleRunner?.update(schedule)
        events.publish(.schedule(scheduleID: schedule.id, change: "added"))
        return schedule
    }

    /// Every schedule, oldest first.
    public func schedules() throws(TaskHostError) -> [ScheduleRecord] { try storage.schedules() }

    /// One schedule by id or unique prefix.
    public func schedule(_ prefix: String) throws(TaskHostError) -> ScheduleRecord { try storage.schedule(prefix) }

    /// Stops a schedule from firing until resumed.
    public func pauseSchedule(_ prefix: String, actor: String = "api") throws(TaskHostError) -> ScheduleRecord {
        var schedule = try storage.schedule(prefix)
        try storage.setSchedulePaused(schedule.id, paused: true, nextAt: schedule.nextAt, actor: actor)
        schedule.paused = true
        schedule.queuedFor = nil
        scheduleRunner?.update(schedule)
        events.publish(.schedule(scheduleID: schedule.id, change: "paused"))
        return schedule
    }

    /// Lets a paused schedule fire again, from its next firing after now (what fell in the pause does not run).
    public func resumeSchedule(_ prefix: String, actor: String = "api") throws(TaskHostError) -> ScheduleRecord {
        var schedule = try storage.schedule(prefix)
        // Never a time already fired (the clock may have stepped back).
        let next = schedule.timing.nextFiring(after: max(Date(), schedule.lastFiredFor ?? .distantPast))
        try storage.setSchedulePaused(schedule.id, paused: false, nextAt: next, actor: actor)
        schedule.paused = false
        schedule.nextAt = next
        schedule.queuedFor = nil
        scheduleRunner?.update(schedule)
        events.publish(.schedule(scheduleID: schedule.id, change: "resumed"))
        return schedule
    }

    /// Removes a schedule (even one whose row no longer reads); the tasks it started stay. Returns its id.
    public func removeSchedule(_ prefix: String, actor: String = "api") throws(TaskHostError) -> String {
        let id = try storage.scheduleID(prefix)
        try storage.deleteSchedule(id, actor: actor)
        scheduleRunner?.remove(id)
        events.publish(.schedule(scheduleID: id, change: "removed"))
        return id
    }

    /// The schedule's next `count` firings (from now for a paused one: where a resume would go on).
    public func nextFirings(_ prefix: String, count: Int) throws(TaskHostError) -> [Date] {
        let schedule = try storage.schedule(prefix)
        guard !schedule.paused else { return schedule.timing.firings(after: Date(), count: count) }
        guard let next = schedule.nextAt else { return [] }
        let wanted = max(1, min(count, 10_000))
        return [next] + (wanted > 1 ? schedule.timing.firings(after: next, count: wanted - 1) : [])
    }

    /// What the first firing of each schedule that missed some while the host was down will do:
    /// the plan the schedule runner follows moments later.
    static func catchUps(_ schedules: [ScheduleRecord], now: Date) -> [ScheduleCatchUp] {
        schedules.compactMap { schedule in
            guard !schedule.paused, let due = schedule.nextUnfiredAt, now.timeIntervalSince(due) > FiringPlan.onTimeWithin else { return nil }
            let plan = schedule.plan(due: due, now: now)
            // A firing due now is on time, not missed, whatever the policy: it is not a catch-up.
            let late = plan.fire.filter { now.timeIntervalSince($0) > FiringPlan.onTimeWithin }
            guard plan.missed > 0 || !late.isEmpty else { return nil }
            return ScheduleCatchUp(scheduleID: schedule.id, name: schedule.name, policy: schedule.catchUp, running: late, skipped: plan.missed)
        }
    }

    /// Fires `due` schedules at `now`: every task they start and every advance in one transaction.
    /// Returns the schedules as they are now; one missing was not written and is tried again.
    func fireSchedules(_ due: [ScheduleRecord], now: Date) -> [ScheduleRecord] {
        var plans = due.map { firing(of: $0, now: now) }
        do {
            try commit(plans)
        } catch {
            // One bad firing must not hold back the others: each alone, and what still fails waits.
            guard plans.count > 1 || error.isScheduleFiringConflict else {
                if case .scheduleNotFound = error { return [] }
                logger.error("a schedule's firing could not be written; retrying", metadata: ["schedule": "\(due[0].id)", "error": "\(error)"])
                return []
            }
            plans = plans.compactMap { plan -> Firing? in
                do {
                    try commit([plan])
                    return plan
                } catch TaskHostError.scheduleNotFound {
                    return nil  // removed or paused meanwhile: nothing to fire, nothing to retry
                } catch let error as TaskHostError where error.isScheduleFiringConflict {
                    // This time already has its task (the unique index says so): it fired; go past it.
                    var advanced = plan
                    advanced.tasks = []
                    advanced.advance.firedCount = 0
                    advanced.advance.lastFired = nil
                    advanced.schedule.fired = plan.schedule.fired - plan.tasks.count
                    try? commit([advanced])
                    logger.warning("a schedule's firing already had its task; skipped past it", metadata: ["schedule": "\(plan.schedule.id)"])
                    return advanced
                } catch {
                    logger.error("a schedule's firing could not be written; retrying", metadata: ["schedule": "\(plan.schedule.id)", "error": "\(error)"])
                    return nil
                }
            }
            return plans.map(\.schedule)
        }
        return plans.map(\.schedule)
    }

    /// One schedule's firing: its tasks (prepared), its row change, and the schedule after it.
    private struct Firing {
        var schedule: ScheduleRecord
        var tasks: [PreparedSubmit]
        var advance: ScheduleAdvance
        var change: String
        /// Nothing happened: no task, no skip, same next firing and queue.
        var unchanged = false
    }

    private func firing(of original: ScheduleRecord, now: Date) -> Firing {
        var schedule = original
        var times: [Date] = []
        var skipped = 0
        var reason: String?
        var next = schedule.nextUnfiredAt
        if let due = next, due <= now {
            let plan = schedule.plan(due: due, now: now)
            times = plan.fire
            skipped = plan.missed
            next = plan.next
            if plan.missed > 0 { reason = "\(plan.missed) firing(s) missed while the host was down (catch-up \(schedule.catchUp.rawValue))" }
        }
        var queued = schedule.queuedFor
        let previousActive = schedule.lastTaskID.map(isActive) ?? false
        if let waiting = queued, !previousActive {
            times.insert(waiting, at: 0)
            queued = nil
            // The queued firing starts now; one due with it waits for it (never two at once).
            if schedule.overlap == .queue, times.count > 1 {
                skipped += times.count - 2
                queued = times.last
                times = [waiting]
            }
        }
        if previousActive, !times.isEmpty, let previous = schedule.lastTaskID {
            switch schedule.overlap {
            case .skip:
                skipped += times.count
                reason = "the previous task \(previous.prefix(12)) had not ended (overlap skip)"
                times = []
            case .queue:
                skipped += times.count - 1 + (queued == nil ? 0 : 1)
                queued = times.last
                times = []
            case .allow:
                break
            }
        }
        var tasks: [PreparedSubmit] = []
        for time in times {
            let request = SubmitRequest(type: schedule.type, parameters: schedule.parameters.values, options: schedule.options)
            do {
                tasks.append(try prepare(request, now: now, source: .scheduled, schedule: (schedule.id, time)))
            } catch {
                skipped += 1
                reason = "could not start its task: \(error)"
            }
        }
        var advance = ScheduleAdvance(scheduleID: schedule.id, nextAt: next, queuedFor: queued)
        advance.firedCount = tasks.count
        advance.lastFired = tasks.last.map { ($0.record.id, $0.record.scheduledFor ?? now) }
        advance.skipped = skipped
        advance.skipReason = reason
        schedule.nextAt = next
        schedule.queuedFor = queued
        schedule.fired += tasks.count
        schedule.skipped += skipped
        if let reason { schedule.lastSkip = reason }
        if let last = advance.lastFired {
            schedule.lastTaskID = last.taskID
            schedule.lastFiredFor = last.scheduledFor
        }
        schedule.updatedAt = now
        var result = Firing(schedule: schedule, tasks: tasks, advance: advance, change: tasks.isEmpty ? (queued != nil ? "queued" : "skipped") : "fired")
        result.unchanged = tasks.isEmpty && skipped == 0 && next == original.nextAt && queued == original.queuedFor
        return result
    }

    private func commit(_ firings: [Firing]) throws(TaskHostError) {
        // A firing that changes nothing (a queued one still waiting) writes nothing.
        let firings = firings.filter { !$0.unchanged }
        guard !firings.isEmpty else { return }
        let tasks = firings.flatMap(\.tasks)
        let advances = firings.map(\.advance)
        if tasks.isEmpty {
            try storage.advance(advances)
        } else {
            _ = try submit(prepared: tasks, advances: advances, actor: "scheduler")
        }
        for firing in firings { events.publish(.schedule(scheduleID: firing.schedule.id, change: firing.change)) }
    }

    /// Stored schedules made usable: a next firing that is missing, not finite, out of range, or
    /// later than the timing allows (the clock stepped back, a hand edit) is computed again.
    func saneSchedules(_ schedules: [ScheduleRecord], now: Date) -> [ScheduleRecord] {
        schedules.map { stored in
            var schedule = stored
            guard !schedule.paused else { return schedule }
            let floor = max(now, schedule.lastFiredFor ?? .distantPast)
            let earliest = schedule.timing.nextFiring(after: floor)
            let next = schedule.nextAt?.timeIntervalSince1970
            let sane = next.map { $0.isFinite && TimeBounds.dateProblem(Date(timeIntervalSince1970: $0), field: "next_at", now: now) == nil } ?? false
            let tooLate = next.flatMap { value in earliest.map { value > $0.timeIntervalSince1970 + 1 } } ?? false
            if !sane || tooLate {
                logger.warning("a schedule's next firing was not usable; computed again", metadata: ["schedule": "\(schedule.id)", "stored": "\(next.map { "\($0)" } ?? "none")"])
                schedule.nextAt = earliest
            }
            return schedule
        }
    }

    /// True while the task is pending, running or paused.
    private func isActive(_ taskID: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return state.live[taskID].map { !$0.status.isTerminal } ?? false
    }
}

extension TaskHostError {
    /// The write was refused because a schedule's firing time already has its task.
    var isScheduleFiringConflict: Bool {
        if case .storage(let error) = self, error.kind == .conflict(.scheduleFiring) { true } else { false }
    }
}

extension ScheduleRecord {
    /// Its next firing, never a time already fired: the unique (schedule, time) index would refuse it forever.
    var nextUnfiredAt: Date? {
        guard let next = nextAt, let last = lastFiredFor, next <= last else { return nextAt }
        return timing.nextFiring(after: last)
    }

    /// What its firing `due` does at `now`, by its catch-up policy.
    func plan(due: Date, now: Date) -> FiringPlan {
        FiringPlan.make(timing: timing, due: due, now: now, catchUp: catchUp, maxCatchUp: maxCatchUp)
    }
}
