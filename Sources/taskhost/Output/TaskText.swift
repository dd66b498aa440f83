import Foundation
import TaskHost

/// Tables and detail views of tasks.
enum TaskText {
    /// `hostDown`: read from the database with no host running, so `running` is only what was last recorded.
    static func list(_ tasks: [TaskSummary], hostDown: Bool = false, now: Date = Date()) -> String {
        guard !tasks.isEmpty else { return "No tasks.\n" }
        let rows = tasks.map { task -> [String] in
            var status = task.status.rawValue
            if hostDown && task.status == .running { status += " (host not running — as last recorded)" }
            if task.stopRequested { status += " (stop requested)" } else if task.pauseRequested { status += " (pause requested)" }
            return [
                Formatting.shortID(task.id), task.name ?? task.type, status, Formatting.progress(task.progress),
                String(task.attempt), Formatting.relative(task.createdAt, now: now),
                task.waitingReason ?? task.error?.message ?? "",
            ]
        }
        return Formatting.table(["ID", "NAME", "STATUS", "PROGRESS", "ATTEMPT", "CREATED", "NOTE"], rows)
    }

    static func detail(_ detail: TaskDetail, now: Date = Date()) -> String {
        let task = detail.task
        var lines: [(String, String)] = [
            ("id", task.id), ("type", task.type), ("status", task.status.rawValue + (task.stopRequested ? " (stop requested)" : "")),
        ]
        if let name = task.name { lines.append(("name", name)) }
        lines.append(("progress", Formatting.progressBar(task.progress)))
        lines.append(("attempt", "\(task.attempt) (retries used \(task.retriesUsed) of \(task.maxRetries))"))
        lines.append(("priority", String(task.priority)))
        if task.type == ShellTask.name {
            var process = "its own process group"
            if let pid = task.pid { process += ", pid \(pid)" }
            if task.pausedAt != nil { process += ", frozen (SIGSTOP)" }
            lines.append(("process", process))
        } else if task.isolation == .process {
            var isolation = "process"
            if let pid = task.pid { isolation += ", worker pid \(pid)" }
            // Which mechanism applied: rlimits in the worker (cgroups are not used).
            if let limit = task.memoryLimitBytes { isolation += ", memory limit \(limit / (1 << 20)) MB (RLIMIT_DATA + RSS watch)" }
            if let limit = task.cpuLimitSeconds { isolation += ", CPU limit \(limit) s (RLIMIT_CPU)" }
            if let how = task.pausedAt { isolation += how == "frozen" ? ", paused frozen (resumes from its last saved state after a host restart)" : ", paused at a checkpoint" }
            lines.append(("isolation", isolation))
        }
        if !task.parameters.values.isEmpty {
            lines.append(("parameters", task.parameters.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")))
        }
        if !task.tags.isEmpty { lines.append(("tags", task.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))) }
        if let timeout = task.timeoutSeconds { lines.append(("timeout", Formatting.duration(timeout))) }
        if let key = task.idempotencyKey { lines.append(("idempotency key", key)) }
        lines.append(("created", "\(Formatting.relative(task.createdAt, now: now)) (\(iso(task.createdAt)))"))
        if let runAt = task.runAt { lines.append(("runs", Formatting.relative(runAt, now: now))) }
        if let started = task.startedAt { lines.append(("started", Formatting.relative(started, now: now))) }
        if let finished = task.finishedAt { lines.append(("ended", Formatting.relative(finished, now: now))) }
        if let reason = task.waitingReason { lines.append(("waiting", reason)) }
        if let notice = task.notice { lines.append(("note", notice)) }
        if task.exitCode != nil || task.signal != nil {
            lines.append(("exit", ProcessExit(exitCode: task.exitCode, signal: task.signal).text))
        }
        if let error = task.error { lines.append(("error", "\(error.message) (\(error.type), attempt \(error.attempt))")) }
        if let result = task.result { lines.append(("result", result)) }
        let width = lines.map(\.0.count).max() ?? 0
        var out = lines.map { "\($0.0.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.1)" }.joined(separator: "\n") + "\n"
        if !detail.attempts.isEmpty {
            out += "\nattempts:\n"
            let rows = detail.attempts.map { attempt in
                [
                    String(attempt.attempt), Formatting.relative(attempt.startedAt, now: now),
                    attempt.endedAt.map { Formatting.duration($0.timeIntervalSince(attempt.startedAt)) } ?? "-",
                    attempt.outcome ?? "running", attempt.error ?? "",
                ]
            }
            out += Formatting.table(["#", "STARTED", "TOOK", "OUTCOME", "ERROR"], rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        }
        return out
    }

    static func logLine(_ entry: TaskLogEntry) -> String {
        "\(iso(entry.at)) \(entry.level.rawValue.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)) \(entry.message)"
    }

    static func iso(_ date: Date) -> String { ISOTime.utc(date, wholeSeconds: true) }
}
