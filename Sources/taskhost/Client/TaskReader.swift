import Foundation
import TaskHost

/// Reads tasks from the running host, or straight from its database when none runs.
enum TaskReader {
    case daemon(ControlClient)
    case offline(any TaskReading)

    /// The daemon if it answers, else the database read-only (with a note on stderr).
    static func connect(_ host: some HomeSelecting) async throws -> TaskReader {
        let client = host.client()
        do {
            _ = try await client.send(.GET, "/v1/healthz")
            return .daemon(client)
        } catch CLIError.hostNotRunning(let home, let detail) {
            let database = host.paths(plugins: nil).database.path
            guard FileManager.default.fileExists(atPath: database) else { throw CLIError.hostNotRunning(home: home, detail: detail) }
            do {
                let store = try TaskStore(readOnlyPath: database)
                printError("note: no host is running; reading \(database) directly (statuses as last recorded)")
                return .offline(store)
            } catch {
                throw CLIError.core(error)
            }
        }
    }

    /// True when reading the database directly (no host is running).
    var isOffline: Bool {
        if case .offline = self { true } else { false }
    }

    func list(_ filter: TaskFilter) async throws -> TaskPage {
        switch self {
        case .daemon(let client):
            var query = ["limit=\(filter.limit)"]
            query += filter.statuses.map { "status=\($0.rawValue)" }
            if let type = filter.type { query.append("type=\(queryValue(type))") }
            query += filter.tags.map { "tag=\(queryValue("\($0.key)=\($0.value)"))" }
            if let cursor = filter.cursor { query.append("cursor=\(cursor)") }
            if let schedule = filter.schedule { query.append("schedule=\(queryValue(schedule))") }
            return try await client.call(.GET, "/v1/tasks?" + query.joined(separator: "&"), as: TaskPage.self)
        case .offline(let store):
            var filter = filter
            do {
                if let schedule = filter.schedule { filter.schedule = try store.scheduleReference(schedule) }
                return try store.list(filter)
            } catch { throw CLIError.core(error) }
        }
    }

    func detail(_ id: String) async throws -> TaskDetail {
        switch self {
        case .daemon(let client):
            return try await client.call(.GET, "/v1/tasks/\(queryValue(id))", as: TaskDetail.self)
        case .offline(let store):
            do {
                let task = try store.record(store.resolveID(id))
                return TaskDetail(task: task, attempts: try store.attempts(task.id))
            } catch { throw CLIError.core(error) }
        }
    }

    /// The task's log lines after `after` and at or after `since`: the oldest `limit`, or the newest with `newest`.
    func logs(_ id: String, after: Int64, limit: Int, newest: Bool = false, since: Date? = nil) async throws -> [TaskLogEntry] {
        switch self {
        case .daemon(let client):
            var query = "after=\(after)&" + (newest ? "tail=\(limit)" : "limit=\(limit)")
            if let since { query += "&since=\(since.timeIntervalSince1970)" }
            return try await client.call(.GET, "/v1/tasks/\(queryValue(id))/logs?\(query)", as: LogPage.self).lines
        case .offline(let store):
            do { return try store.logs(store.resolveID(id), after: after, limit: limit, newest: newest, since: since) } catch {
                throw CLIError.core(error)
            }
        }
    }

    /// Every schedule (the host's view, or the database's when none runs).
    func schedules() async throws -> [ScheduleRecord] {
        switch self {
        case .daemon(let client):
            return try await client.call(.GET, "/v1/schedules", as: ScheduleList.self).schedules
        case .offline(let store):
            do { return try store.schedules() } catch { throw CLIError.core(error) }
        }
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
