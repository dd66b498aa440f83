import Foundation
import Hummingbird
import NIOCore
import TaskHost

extension ControlAPI {
    func addHostRoutes(to group: RouterGroup<BasicRequestContext>) {
        group.get("types") { _, _ in try JSONResponse.make(TypeList(types: loader.registry.types)) }
        group.get("plugins") { _, _ in
            let report = try await blocking { loader.registry.lastScan ?? loader.scan() }
            return try JSONResponse.make(report)
        }
        group.post("plugins/rescan") { _, _ in
            try JSONResponse.make(try await blocking { loader.scan() })
        }
        group.get("audit") { request, _ in
            let query = request.uri.queryParameters
            let after = query.get("after").flatMap { Int64($0) } ?? 0
            let limit = query.get("limit").flatMap { Int($0) } ?? 1000
            let events = try await blocking { try manager.store.audit(after: after, limit: limit) }
            let next = events.count >= limit ? events.last?.sequence : nil
            return try JSONResponse.make(AuditPage(events: events, nextCursor: next))
        }
        group.get("healthz") { _, _ in
            let (counts, problem) = try await blocking {
                // Only a host that saw a write fail probes; a healthy one answers from what it knows.
                let problem = manager.store.writeProblem == nil ? nil : manager.store.checkWritable()
                return (try manager.store.countsByStatus(), problem)
            }
            let report = HealthReport(
                status: problem == nil ? "ok" : "degraded", pid: getpid(), home: home, uptimeSeconds: Date().timeIntervalSince(startedAt),
                tasks: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }), problem: problem)
            return try JSONResponse.make(report, status: problem == nil ? .ok : .serviceUnavailable)
        }
        group.get("metrics") { _, _ in
            let text = try await blocking { try metrics.render() }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        group.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}
