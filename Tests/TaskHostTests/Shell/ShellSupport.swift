import Foundation
import TaskHost
import Testing

/// Reading tasks and processes in the shell-task tests.
extension DaemonFixture {
    /// The task's detail from `show --json`.
    func detail(_ id: String) throws -> TaskDetail {
        let show = try cli("show", id, "--json")
        try #require(show.status == 0, "\(show.stderr)")
        return try APICoding.decoder.decode(TaskDetail.self, from: Data(show.stdout.utf8))
    }

    /// The task's log entries from `logs --json`.
    func logEntries(_ id: String) throws -> [TaskLogEntry] {
        let logs = try cli("logs", id, "--json", "--limit", "100000")
        try #require(logs.status == 0, "\(logs.stderr)")
        return try APICoding.decoder.decode(LogPage.self, from: Data(logs.stdout.utf8)).lines
    }

    /// Submits `exec` with `arguments` and returns the new task's id.
    func exec(_ arguments: [String]) throws -> String {
        let result = try cli(["exec"] + arguments)
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Processes on this machine, from /proc.
enum Processes {
    /// Pids of live (not zombie) processes whose command line contains `marker`.
    static func matching(_ marker: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return false }
            let commandLine = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return commandLine.contains(marker) && state(pid) != "Z"
        }
    }

    /// The one-letter state of a process (R, S, T for stopped, Z...), nil if gone.
    static func state(_ pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ").first.map(String.init)
    }
}
