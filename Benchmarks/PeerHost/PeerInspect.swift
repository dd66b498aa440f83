import CSQLite
import Foundation

/// The harness's inspect contract, read straight from taskhost's SQLite file (read-only).
enum PeerInspect {
    static func run(_ what: String, database: String) {
        var connection: OpaquePointer?
        guard sqlite3_open_v2(database, &connection, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            print("{}")
            return
        }
        defer { sqlite3_close(connection) }
        sqlite3_busy_timeout(connection, 5000)
        let rows = query(connection, "SELECT json_extract(parameters, '$.i'), status FROM tasks")
        switch what {
        case "state":
            var counts: [String: Int] = [:]
            for row in rows { counts[row.1, default: 0] += 1 }
            print(json(["by_status": counts, "tasks": rows.count]))
        case "pending":
            // Held and not completed: queued (pending), paused, and interrupted by a crash, which
            // the store keeps (with its saved state) until a user resumes or restarts it.
            let held: Set<String> = ["pending", "paused", "interrupted"]
            print(json(rows.filter { held.contains($0.1) }.map(\.0).sorted()))
        case "status":
            var statuses: [String: [String]] = [:]
            for row in rows { statuses[String(row.0), default: []].append(row.1) }
            print(json(statuses))
        default:
            FileHandle.standardError.write(Data("usage: taskhost-peer inspect state|pending|status DB\n".utf8))
            exit(2)
        }
    }

    private static func query(_ connection: OpaquePointer?, _ sql: String) -> [(Int64, String)] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(connection, sql, -1, &statement, nil) == SQLITE_OK else { return [] }
        defer { sqlite3_finalize(statement) }
        var rows: [(Int64, String)] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            let status = sqlite3_column_text(statement, 1).map { String(cString: $0) } ?? "?"
            rows.append((sqlite3_column_int64(statement, 0), status))
        }
        return rows
    }

    static func json(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// VmRSS, VmHWM, RssAnon, RssFile (kB) and Threads of this process.
    static func processStatus() -> [String: Int] {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return [:] }
        var out: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = String(parts[0])
            if ["VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"].contains(key),
                let value = Int(parts[1].split(separator: " ").first ?? "")
            {
                out[key] = value
            }
        }
        return out
    }
}
