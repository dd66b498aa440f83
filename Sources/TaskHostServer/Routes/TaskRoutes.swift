import Foundation
import Hummingbird
import TaskHost

extension ControlAPI {
    func addTaskRoutes(to group: RouterGroup<BasicRequestContext>) {
        group.get("tasks") { request, _ in
            let asked = try taskFilter(from: request)
            let page = try await blocking {
                var filter = asked
                if let schedule = filter.schedule { filter.schedule = try manager.store.scheduleReference(schedule) }
                return try manager.store.list(filter)
            }
            return try JSONResponse.make(page)
        }
        group.post("tasks") { request, _ in
            var request = request
            let submit = try await JSONResponse.decode(SubmitRequest.self, from: &request)
            let actor = actor(request)
            let (record, created) = try await blocking {
                let (id, created) = try manager.submit(submit, actor: actor)
                return (try manager.task(id), created)
            }
            return try JSONResponse.make(record, status: created ? .created : .ok)
        }
        group.post("tasks/batch") { request, _ in
            var request = request
            let batch = try await JSONResponse.decode(BatchSubmitRequest.self, from: &request, limit: RequestLimits.maxBatchBody)
            let actor = actor(request)
            let stored = try await blocking { try manager.submit(batch: batch.tasks, actor: actor) }
            let result = BatchSubmitResult(ids: stored.map(\.id), created: stored.filter(\.created).count)
            return try JSONResponse.make(result, status: .created)
        }
        group.get("tasks/:id") { _, context in
            let id = try context.parameters.require("id")
            let detail = try await blocking {
                let task = try manager.task(id)
                return TaskDetail(task: task, attempts: try manager.store.attempts(task.id))
            }
            return try JSONResponse.make(detail)
        }
        group.delete("tasks/:id") { request, context in
            let id = try context.parameters.require("id")
            let actor = actor(request)
            try await blocking { try manager.delete(id, actor: actor) }
            return Response(status: .noContent)
        }
        for action in [TaskAction.pause, .resume, .stop, .restart] {
            group.post("tasks/:id/\(action.rawValue)") { request, context in
                let id = try context.parameters.require("id")
                let actor = actor(request)
                let record = try await blocking {
                    switch action {
                    case .pause: try manager.pause(id, actor: actor)
                    case .resume: try manager.resume(id, actor: actor)
                    case .stop: try manager.stop(id, actor: actor)
                    default: try manager.restart(id, actor: actor)
                    }
                }
                return try JSONResponse.make(record)
            }
        }
        group.post("prune") { request, _ in
            var request = request
            let prune = try await JSONResponse.decode(PruneRequest.self, from: &request)
            guard prune.olderThanSeconds >= 0 else {
                throw APIError(.badRequest, code: "invalid_option", message: "olderThanSeconds must be 0 or more")
            }
            let actor = actor(request)
            let deleted = try await blocking {
                try manager.prune(olderThan: Date().addingTimeInterval(-prune.olderThanSeconds), actor: actor)
            }
            return try JSONResponse.make(PruneResult(deleted: deleted))
        }
    }

    /// `?status=running&status=paused&type=sleep&tag=k=v&schedule=ID&limit=50&cursor=123`.
    private func taskFilter(from request: Request) throws -> TaskFilter {
        let query = request.uri.queryParameters
        var filter = TaskFilter()
        for value in query.getAll("status").flatMap({ $0.split(separator: ",") }) {
            guard let status = TaskStatus(rawValue: String(value)) else {
                let known = TaskStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError(.badRequest, code: "invalid_option", message: "unknown status '\(value)'; use one of \(known)")
            }
            filter.statuses.append(status)
        }
        filter.type = query.get("type")
        filter.schedule = query.get("schedule")
        for tag in query.getAll("tag") {
            guard let equals = tag.firstIndex(of: "=") else {
                throw APIError(.badRequest, code: "invalid_option", message: "tag filter '\(tag)' must be key=value")
            }
            filter.tags[String(tag[..<equals])] = String(tag[tag.index(after: equals)...])
        }
        if let limit = query.get("limit") {
            guard let value = Int(limit), value > 0 else {
                throw APIError(.badRequest, code: "invalid_option", message: "limit must be a positive integer, got '\(limit)'")
            }
            filter.limit = value
        }
        if let cursor = query.get("cursor") {
            guard let value = Int64(cursor) else {
                throw APIError(.badRequest, code: "invalid_option", message: "cursor must be the nextCursor of a previous page")
            }
            filter.cursor = value
        }
        return filter
    }
}
