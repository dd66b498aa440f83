import Foundation
import Hummingbird
import NIOCore
import TaskHost

/// One live event as JSON: `GET /v1/events` sends these as Server-Sent Events.
public struct EventPayload: Codable, Sendable, Equatable {
    /// `status`, `progress`, `deleted` or `schedule` (then `taskID` is the schedule's id).
    public var kind: String
    /// The task.
    public var taskID: String
    /// The new status (status events).
    public var status: TaskStatus?
    /// The attempt (status events).
    public var attempt: Int?
    /// The progress (progress events).
    public var progress: TaskProgress?
    /// What happened to the schedule (schedule events: added, paused, resumed, removed, fired, skipped).
    public var change: String?

    /// The payload of a manager event.
    public init(_ event: TaskEvent) {
        taskID = event.taskID
        switch event {
        case .status(_, let status, let attempt):
            kind = "status"
            self.status = status
            self.attempt = attempt
        case .progress(_, let progress):
            kind = "progress"
            self.progress = progress
        case .deleted:
            kind = "deleted"
        case .schedule(_, let change):
            kind = "schedule"
            self.change = change
        }
    }
}

extension ControlAPI {
    func addStreamRoutes(to group: RouterGroup<BasicRequestContext>) {
        // Server-Sent Events of state and progress changes; `?task=ID` for one task. Ends at shutdown.
        group.get("events") { request, _ in
            let stream = manager.subscribe()
            // For one task, its state now comes first: read after subscribing, so nothing falls
            // between and a follower never waits for an end that happened before it came.
            let snapshot = try await request.uri.queryParameters.get("task").asyncMap { prefix in
                try await blocking { () throws -> TaskEvent in
                    let task = try manager.task(prefix)
                    return .status(taskID: task.id, status: task.status, attempt: task.attempt)
                }
            }
            let only = snapshot?.taskID
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: ": taskhost events\n\n"))
                    if let snapshot { try await writer.write(Self.serverSentEvent(snapshot)) }
                    for await event in stream where only == nil || event.taskID == only {
                        try await writer.write(Self.serverSentEvent(event))
                    }
                    try await writer.finish(nil)
                })
        }
        // The task's log lines as JSON; `?follow=1` streams new lines (NDJSON) until the task ends.
        group.get("tasks/:id/logs") { request, context in
            let prefix = try context.parameters.require("id")
            let query = request.uri.queryParameters
            let after = query.get("after").flatMap { Int64($0) } ?? 0
            let tail = try query.get("tail").map { text -> Int in
                guard let count = Int(text), count > 0 else {
                    throw APIError(.badRequest, code: "invalid_option", message: "tail must be a positive integer, got '\(text.clippedForMessage)'")
                }
                return count
            }
            let limit = tail ?? query.get("limit").flatMap { Int($0) } ?? 1000
            let since = try query.get("since").map { text -> Date in
                if let seconds = Double(text), seconds.isFinite { return Date(timeIntervalSince1970: seconds) }
                guard let date = ISOTime.date(text) else {
                    throw APIError(
                        .badRequest, code: "invalid_option", message: "since '\(text.clippedForMessage)' is not an ISO 8601 time or Unix seconds")
                }
                return date
            }
            let id = try await blocking { try manager.task(prefix).id }
            guard query.get("follow") == "1" || query.get("follow") == "true" else {
                let lines = try await blocking { try manager.store.logs(id, after: after, limit: limit, newest: tail != nil, since: since) }
                // The newest lines have no next page: a follower continues after the last of them.
                let full = tail == nil && lines.count >= limit
                return try JSONResponse.make(LogPage(lines: lines, nextCursor: full ? lines.last?.sequence : nil))
            }
            return Response(
                status: .ok, headers: [.contentType: "application/x-ndjson", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    try await followLogs(id, after: after, writer: &writer)
                    try await writer.finish(nil)
                })
        }
    }

    /// One event as a Server-Sent Events frame.
    private static func serverSentEvent(_ event: TaskEvent) throws -> ByteBuffer {
        let payload = EventPayload(event)
        let json = String(decoding: try APICoding.encoder.encode(payload), as: UTF8.self)
        return ByteBuffer(string: "event: \(payload.kind)\ndata: \(json)\n\n")
    }

    private func followLogs(_ id: String, after start: Int64, writer: inout any ResponseBodyWriter) async throws {
        var cursor = start
        let encoder = APICoding.encoder
        while !manager.eventStreamsEnded {
            let from = cursor
            let (lines, finished) = try await blocking {
                // Status first: a task's last lines are committed no later than its final status.
                let finished = try manager.task(id).status.isTerminal
                return (try manager.store.logs(id, after: from, limit: 1000), finished)
            }
            for line in lines {
                var data = try encoder.encode(line)
                data.append(0x0A)
                try await writer.write(ByteBuffer(bytes: data))
                cursor = line.sequence
            }
            // Logs reach the store within 200 ms of a task's end; one more read after that catches the last.
            if finished && lines.isEmpty { return }
            if lines.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
    }
}

extension Optional {
    /// `map` with an async throwing transform.
    func asyncMap<Mapped>(_ transform: (Wrapped) async throws -> Mapped) async rethrows -> Mapped? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
