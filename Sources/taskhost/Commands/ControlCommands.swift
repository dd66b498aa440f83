import ArgumentParser
import Foundation
import NIOHTTP1
import TaskHost

/// Shared body of pause/resume/stop/restart/rm: acts on each id, reports each, exits 1 if any failed.
struct TaskActionRunner {
    let host: ClientOptions
    let json: Bool

    func run(_ ids: [String], verb: String, method: HTTPMethod = .POST, path: (String) -> String) async throws {
        let client = host.client()
        var failures = 0
        var records: [TaskRecord] = []
        for id in ids {
            do {
                let response = try await client.send(method, path(queryValue(id)))
                try ControlClient.check(response)
                if response.status == 204 {
                    if !json { print("\(verb) \(id)") }
                    continue
                }
                var record = try APICoding.decoder.decode(TaskRecord.self, from: response.body)
                // A request usually takes effect within milliseconds (a checkpoint, a signal, a free
                // slot): report the state it led to, not the one it was asked in.
                if Self.isSettling(record, verb: verb) { record = try await settled(record, verb: verb, client: client) }
                records.append(record)
                if !json {
                    print(Self.outcomeLine(verb: verb, record))
                }
            } catch let error as CLIError {
                if case .hostNotRunning = error { throw error }
                failures += 1
                printError("error: \(id): \(error.description)")
            }
        }
        if json { try printJSON(TaskList(tasks: records)) }
        if failures > 0 { throw ExitCode(ExitStatus.failed) }
    }
}

extension TaskActionRunner {
    /// True while what was asked is about to take effect: a request a task will honour soon (a
    /// thread that has not checkpointed for a while is not waited for: it has only the request),
    /// a resumed or restarted task about to get its slot, a stopped command about to exit.
    static func isSettling(_ record: TaskRecord, verb: String) -> Bool {
        let checkpointsOften = record.type == ShellTask.name || record.isolation == .process
            || (record.secondsSinceCheckpoint ?? 0) < recentCheckpoint
        return (record.stopRequested || record.pauseRequested) && checkpointsOften || (record.status == .pending && verb != "paused")
            || awaitsExit(record, verb: verb)
    }

    /// A command stopped while paused is `stopped` at once; its exit comes a moment later, once the
    /// thawed group has had its SIGTERM: worth waiting for, so both ways of stopping answer alike.
    static func awaitsExit(_ record: TaskRecord, verb: String) -> Bool {
        verb == "stopped" && record.status == .stopped && record.type == ShellTask.name && record.attempt > 0 && record.exitCode == nil
            && record.signal == nil
    }

    /// A thread that checkpointed within this many seconds is expected to honour a request within the second.
    static let recentCheckpoint = 0.25

    /// The task once its pending request took effect (or a resumed one runs again), or as it is after a second.
    private func settled(_ record: TaskRecord, verb: String, client: ControlClient) async throws -> TaskRecord {
        var current = record
        for _ in 0..<50 where Self.isSettling(current, verb: verb) {
            try await Task.sleep(for: .milliseconds(20))
            current = try await client.call(.GET, "/v1/tasks/\(record.id)", as: TaskDetail.self).task
        }
        return current
    }

    /// What happened, truthfully: a running task only has a request until it reaches a checkpoint,
    /// and a resumed one is pending only while it waits for something (named).
    static func outcomeLine(verb: String, _ record: TaskRecord) -> String {
        let id = Formatting.shortID(record.id)
        let waiting = record.secondsSinceCheckpoint.map { seconds in
            seconds >= 1 ? " (it has not reached a checkpoint for \(Formatting.duration(seconds)))" : ""
        } ?? ""
        if record.stopRequested && verb == "restarted" {
            return "restart requested for \(id): still \(record.status.rawValue); it runs again from the start once this attempt ends\(waiting)"
        }
        if record.stopRequested && record.type == ShellTask.name {
            return "stop requested for \(id): SIGTERM sent to its process group, still \(record.status.rawValue); SIGKILL follows after its grace"
        }
        if record.stopRequested { return "stop requested for \(id): still \(record.status.rawValue); it stops at its next checkpoint\(waiting)" }
        if record.pauseRequested { return "pause requested for \(id): still \(record.status.rawValue); it pauses at its next checkpoint\(waiting)" }
        var note = ""
        if record.status == .pending && verb != "paused" {
            if let runAt = record.runAt, runAt > Date() {
                note = " (it starts \(Formatting.relative(runAt)))"
            } else {
                note = " (\(record.waitingReason ?? "waiting for a free task slot: every slot is taken"))"
            }
        }
        if record.status == .stopped, verb == "stopped" {
            if let code = record.exitCode { note = " (its command exited with \(code))" }
            if let signal = record.signal { note = " (its command was \(ProcessExit(exitCode: nil, signal: signal).text))" }
        }
        return "\(verb) \(id): now \(record.status.rawValue)\(note)"
    }
}

/// `taskhost pause ID...`
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Hold pending tasks; running ones pause at their next checkpoint.",
        discussion: "Example:\n  taskhost pause 7f3c 91ab")
    @Argument(help: "Task ids or unique prefixes.") var ids: [String]
    func validate() throws { try TaskIDArgument.validate(ids) }
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var host: ClientOptions
    func run() async throws { try await TaskActionRunner(host: host, json: json).run(ids, verb: "paused") { "/v1/tasks/\($0)/pause" } }
}

/// `taskhost resume ID...`
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Continue paused tasks where they stopped (interrupted ones from their saved state).",
        discussion: "Example:\n  taskhost resume 7f3c")
    @Argument(help: "Task ids or unique prefixes.") var ids: [String]
    func validate() throws { try TaskIDArgument.validate(ids) }
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var host: ClientOptions
    func run() async throws { try await TaskActionRunner(host: host, json: json).run(ids, verb: "resumed") { "/v1/tasks/\($0)/resume" } }
}

/// `taskhost stop ID...`
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop tasks: at once if pending or paused, at the next checkpoint if running.",
        discussion: "Example:\n  taskhost stop 7f3c")
    @Argument(help: "Task ids or unique prefixes.") var ids: [String]
    func validate() throws { try TaskIDArgument.validate(ids) }
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var host: ClientOptions
    func run() async throws { try await TaskActionRunner(host: host, json: json).run(ids, verb: "stopped") { "/v1/tasks/\($0)/stop" } }
}

/// `taskhost restart ID...`
struct RestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart", abstract: "Run tasks again from the start with the same id (running ones are stopped first).",
        discussion: "Example:\n  taskhost restart 7f3c")
    @Argument(help: "Task ids or unique prefixes.") var ids: [String]
    func validate() throws { try TaskIDArgument.validate(ids) }
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var host: ClientOptions
    func run() async throws { try await TaskActionRunner(host: host, json: json).run(ids, verb: "restarted") { "/v1/tasks/\($0)/restart" } }
}

/// `taskhost rm ID...`
struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Delete finished, failed, stopped or interrupted tasks with their logs.",
        discussion: "Example:\n  taskhost rm 7f3c 91ab")
    @Argument(help: "Task ids or unique prefixes.") var ids: [String]
    func validate() throws { try TaskIDArgument.validate(ids) }
    @OptionGroup var host: ClientOptions
    func run() async throws {
        try await TaskActionRunner(host: host, json: false).run(ids, verb: "deleted", method: .DELETE) { "/v1/tasks/\($0)" }
    }
}

/// `taskhost wait ID`
struct WaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait", abstract: "Wait for a task to end; exit 0 if it finished, 1 otherwise.",
        discussion: "A live progress bar on a terminal, plain lines otherwise.\n\nExample:\n  taskhost wait 7f3c && echo done")
    @Argument(help: "A task id or unique prefix.") var id: String
    func validate() throws { try TaskIDArgument.validate([id]) }
    @Flag(name: .long, help: "Print the final task as JSON.") var json = false
    @OptionGroup var host: ClientOptions
    func run() async throws {
        let code = try await TaskWaiter(client: host.client(), json: json).wait(for: id)
        if code != ExitStatus.ok { throw ExitCode(code) }
    }
}

/// `taskhost audit`
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show the audit log: every submit and control action, who and when.",
        discussion: "Example:\n  taskhost audit --limit 20")
    @Option(name: .long, help: "Show the last this many entries.") var limit = 100
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var host: ClientOptions
    func run() async throws {
        let client = host.client()
        var entries: [AuditEntry] = []
        var cursor: Int64 = 0
        while true {
            let page = try await client.call(.GET, "/v1/audit?after=\(cursor)&limit=1000", as: AuditPage.self)
            entries += page.events
            guard let next = page.nextCursor else { break }
            cursor = next
        }
        entries = Array(entries.suffix(max(1, limit)))
        if json { return try printJSON(AuditPage(events: entries, nextCursor: nil)) }
        let rows = entries.map { [TaskText.iso($0.at), $0.action, $0.taskID.map(Formatting.shortID) ?? "-", $0.actor, $0.detail ?? ""] }
        print(Formatting.table(["TIME", "ACTION", "TASK", "ACTOR", "DETAIL"], rows), terminator: "")
    }
}

/// `taskhost prune --older-than 7d`
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Delete finished, failed, stopped and interrupted tasks that ended long enough ago.",
        discussion: "Example:\n  taskhost prune --older-than 7d")
    @Option(name: .long, parsing: .unconditional, help: "Age, e.g. 7d, 12h.") var olderThan: String
    @OptionGroup var host: ClientOptions
    func validate() throws { _ = try DurationParser.checked(olderThan, flag: "--older-than", allowZero: true) }
    func run() async throws {
        let seconds = try DurationParser.checked(olderThan, flag: "--older-than", allowZero: true)
        let result = try await host.client().call(.POST, "/v1/prune", body: PruneRequest(olderThanSeconds: seconds), as: PruneResult.self)
        print("deleted \(result.deleted) tasks that ended more than \(olderThan) ago")
    }
}

/// Task id arguments: refused before any request when they cannot be an id or prefix.
enum TaskIDArgument {
    static func validate(_ ids: [String]) throws {
        for id in ids {
            guard !id.isEmpty else { throw ValidationError("a task id (or a unique prefix of one) is required; `taskhost list` shows them") }
            guard id.count <= 32, id.allSatisfy(\.isHexDigit) else {
                throw ValidationError("'\(id.clippedForMessage)' is not a task id: ids are up to 32 hex digits; `taskhost list` shows them")
            }
        }
    }
}
