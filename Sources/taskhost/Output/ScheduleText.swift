import Foundation
import TaskHost

/// Tables and detail views of schedules.
enum ScheduleText {
    /// One firing a line: UTC, then (for a zone other than UTC) the wall-clock time there.
    static func firings(_ list: FiringList) -> String {
        let utc = ["UTC", "Etc/UTC", "GMT", "Z"].contains(list.timeZone)
        return list.firings.map { utc ? "\($0.at)\n" : "\($0.at)  \($0.local) \(list.timeZone)\n" }.joined()
    }

    static func list(_ schedules: [ScheduleRecord], now: Date = Date()) -> String {
        guard !schedules.isEmpty else { return "No schedules. Add one with `taskhost schedule add TYPE --every 10m`.\n" }
        let rows = schedules.map { schedule -> [String] in
            [
                Formatting.shortID(schedule.id), schedule.name ?? schedule.type, schedule.timing.summary,
                schedule.paused ? "paused" : schedule.nextAt.map { "\(ScheduleTiming.iso($0)) (\(Formatting.relative($0, now: now)))" } ?? "never",
                String(schedule.fired), String(schedule.skipped), schedule.lastTaskID.map(Formatting.shortID) ?? "-",
            ]
        }
        return Formatting.table(["ID", "NAME", "WHEN", "NEXT", "FIRED", "SKIPPED", "LAST TASK"], rows)
    }

    static func detail(_ schedule: ScheduleRecord, now: Date = Date()) -> String {
        var lines: [(String, String)] = [("id", schedule.id), ("type", schedule.type), ("when", schedule.timing.summary)]
        if let name = schedule.name { lines.append(("name", name)) }
        lines.append(("status", schedule.paused ? "paused" : "active"))
        lines.append(("next", schedule.nextAt.map { "\(ScheduleTiming.iso($0)) (\(Formatting.relative($0, now: now)))" } ?? "never"))
        if let queued = schedule.queuedFor { lines.append(("queued", "the firing of \(ScheduleTiming.iso(queued)) waits for the previous task")) }
        lines.append(("catch-up", schedule.catchUp == .all ? "all (at most \(schedule.maxCatchUp))" : schedule.catchUp.rawValue))
        lines.append(("overlap", schedule.overlap.rawValue))
        if !schedule.parameters.values.isEmpty {
            lines.append(("parameters", schedule.parameters.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")))
        }
        lines.append(("fired", "\(schedule.fired) tasks" + (schedule.lastFiredFor.map { ", last for \(ScheduleTiming.iso($0))" } ?? "")))
        if let task = schedule.lastTaskID { lines.append(("last task", task)) }
        lines.append(("skipped", String(schedule.skipped) + (schedule.lastSkip.map { " (last: \($0))" } ?? "")))
        lines.append(("created", "\(Formatting.relative(schedule.createdAt, now: now)) (\(ScheduleTiming.iso(schedule.createdAt)))"))
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { "\($0.0.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.1)" }.joined(separator: "\n") + "\n"
    }
}
