import Foundation
import TaskHost
import Testing

/// What a schedule does when woken: on time, after an outage (each catch-up policy), very late.
@Suite("Schedules: firing plans")
struct FiringPlanTests {
    let base = Date(timeIntervalSince1970: 1_800_000_000)
    var every2s: ScheduleTiming { .every(seconds: 2, anchor: Date(timeIntervalSince1970: 0)) }

    func at(_ seconds: Double) -> Date { base.addingTimeInterval(seconds) }

    @Test("on time: one task for the due firing, next is the following one")
    func onTime() {
        let plan = FiringPlan.make(timing: every2s, due: at(0), now: at(0.01), catchUp: .latest, maxCatchUp: 100)
        #expect(plan == FiringPlan(fire: [at(0)], missed: 0, next: at(2)))
    }

    @Test("after 5 s down: latest runs one task for the newest missed firing; skip runs none of the missed; all runs each")
    func outage() {
        // Due at 0, woken at 5.1: firings 0, 2, 4 are due.
        let latest = FiringPlan.make(timing: every2s, due: at(0), now: at(5.1), catchUp: .latest, maxCatchUp: 100)
        #expect(latest == FiringPlan(fire: [at(4)], missed: 2, next: at(6)))
        let skip = FiringPlan.make(timing: every2s, due: at(0), now: at(5.1), catchUp: .skip, maxCatchUp: 100)
        #expect(skip == FiringPlan(fire: [at(4)], missed: 2, next: at(6)), "the firing due now is not a missed one")
        let all = FiringPlan.make(timing: every2s, due: at(0), now: at(5.1), catchUp: .all, maxCatchUp: 100)
        #expect(all == FiringPlan(fire: [at(0), at(2), at(4)], missed: 0, next: at(6)))
        let capped = FiringPlan.make(timing: every2s, due: at(0), now: at(5.1), catchUp: .all, maxCatchUp: 2)
        #expect(capped == FiringPlan(fire: [at(2), at(4)], missed: 1, next: at(6)))
    }

    @Test("a single firing far past its time is missed under skip, run under latest and all")
    func veryLate() {
        let hourly = ScheduleTiming.every(seconds: 3600, anchor: Date(timeIntervalSince1970: 0))
        let due = Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 3600))
        let now = due.addingTimeInterval(600)
        #expect(FiringPlan.make(timing: hourly, due: due, now: now, catchUp: .skip, maxCatchUp: 100).fire.isEmpty)
        #expect(FiringPlan.make(timing: hourly, due: due, now: now, catchUp: .latest, maxCatchUp: 100).fire == [due])
        #expect(FiringPlan.make(timing: hourly, due: due, now: now, catchUp: .all, maxCatchUp: 100).fire == [due])
    }

    @Test("a year down with a 1 s interval: the plan is quick and counts every missed firing")
    func longOutage() {
        let every1s = ScheduleTiming.every(seconds: 1, anchor: Date(timeIntervalSince1970: 0))
        let started = ContinuousClock.now
        let plan = FiringPlan.make(timing: every1s, due: at(0), now: at(365 * 86_400 + 0.5), catchUp: .all, maxCatchUp: 100)
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(plan.fire.count == 100 && plan.fire.last == at(365 * 86_400))
        #expect(plan.missed + plan.fire.count == 365 * 86_400 + 1)
        #expect(plan.next == at(365 * 86_400 + 1))
    }

    @Test("cron across a DST change (Berlin, spring forward) fires at the end of the gap, once")
    func cronAcrossDST() throws {
        let timing = try ScheduleTiming(cron: "30 2 * * *", timeZone: "Europe/Berlin")
        let due = try #require(ISO8601DateFormatter().date(from: "2026-03-29T01:00:00Z"))
        let plan = FiringPlan.make(timing: timing, due: due, now: due.addingTimeInterval(0.2), catchUp: .latest, maxCatchUp: 100)
        #expect(plan.fire == [due])
        #expect(plan.next.map(ScheduleTiming.iso) == "2026-03-30T00:30:00Z")
    }
}
