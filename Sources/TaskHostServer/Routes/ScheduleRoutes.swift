import Foundation
import Hummingbird
import TaskHost

extension ControlAPI {
    func addScheduleRoutes(to group: RouterGroup<BasicRequestContext>) {
        group.get("schedules") { _, _ in
            try JSONResponse.make(ScheduleList(schedules: try await blocking { try manager.schedules() }))
        }
        group.post("schedules") { request, _ in
            var request = request
            let body = try await JSONResponse.decode(ScheduleRequest.self, from: &request)
            let actor = actor(request)
            let schedule = try await blocking { try manager.addSchedule(body, actor: actor) }
            return try JSONResponse.make(schedule, status: .created)
        }
        // Firings of an expression without adding a schedule: ?cron=EXPR&tz=ZONE | ?every=SECONDS, &from=ISO&n=10.
        group.get("schedules/preview") { request, _ in
            let query = request.uri.queryParameters
            let from = try query.get("from").map { text -> Date in
                guard let date = ISOTime.date(text) else {
                    throw APIError(.badRequest, code: "invalid_option", message: "from '\(text.clippedForMessage)' is not an ISO 8601 time")
                }
                return date
            } ?? Date()
            let timing = try ScheduleRequest(
                type: "", cron: query.get("cron"), timeZone: query.get("tz"), everySeconds: query.get("every").flatMap { Int($0) }
            ).timing(now: from)
            let count = query.get("n").flatMap { Int($0) } ?? 10
            return try JSONResponse.make(FiringList(timing.firings(after: from, count: count), timeZone: timing.displayZone))
        }
        group.get("schedules/:id") { _, context in
            let id = try context.parameters.require("id")
            return try JSONResponse.make(try await blocking { try manager.schedule(id) })
        }
        group.get("schedules/:id/next") { request, context in
            let id = try context.parameters.require("id")
            let count = request.uri.queryParameters.get("n").flatMap { Int($0) } ?? 5
            let (times, zone) = try await blocking { (try manager.nextFirings(id, count: count), try manager.schedule(id).timing.displayZone) }
            return try JSONResponse.make(FiringList(times, timeZone: zone))
        }
        group.delete("schedules/:id") { request, context in
            let id = try context.parameters.require("id")
            let actor = actor(request)
            let removed = try await blocking { try manager.removeSchedule(id, actor: actor) }
            return try JSONResponse.make(["id": removed, "removed": "true"])
        }
        for change in ["pause", "resume"] {
            group.post("schedules/:id/\(change)") { request, context in
                let id = try context.parameters.require("id")
                let actor = actor(request)
                let schedule = try await blocking {
                    change == "pause" ? try manager.pauseSchedule(id, actor: actor) : try manager.resumeSchedule(id, actor: actor)
                }
                return try JSONResponse.make(schedule)
            }
        }
    }
}
