import ArgumentParser
import Foundation
import TaskHost

/// `taskhost list`
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List tasks, newest first (works without a running host: reads the database).",
        discussion: """
            Examples:
              taskhost list
              taskhost list --status running,paused --type hash-tree
              taskhost list --tag project=demo --json
              taskhost list --schedule 3fa9                 # the tasks a schedule started
              taskhost list --watch
            """
    )

    @Option(name: .long, help: "Only these statuses (comma-separated or repeated).")
    var status: [String] = []

    @Option(name: .long, help: "Only this type.")
    var type: String?

    @Option(name: .long, help: "Only tasks with this tag, key=value (repeatable).")
    var tag: [String] = []

    @Option(name: .long, help: "Only tasks started by this schedule (id or prefix).")
    var schedule: String?

    @Option(name: .long, help: "At most this many tasks per page.")
    var limit = 50

    @Option(name: .long, parsing: .unconditional, help: "Continue after this cursor (the nextCursor of the previous page).")
    var cursor: Int64?

    @Flag(name: .long, help: "Every matching task, page after page.")
    var all = false

    @Flag(name: .long, help: "Print JSON: {\"tasks\": [...], \"nextCursor\": N} (no nextCursor on the last page).")
    var json = false

    @Flag(name: .long, help: "Redraw every second until Ctrl-C.")
    var watch = false

    @OptionGroup var host: ClientOptions

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit \(limit) must be from 1 to 10000") }
        if let cursor, cursor < 0 { throw ValidationError("--cursor \(cursor) must be a nextCursor of an earlier page (0 or more)") }
        if watch && all { throw ValidationError("give --watch or --all, not both") }
    }

    func run() async throws {
        var filter = TaskFilter(type: type, tags: try KeyValue.parse(tag, what: "--tag"), limit: limit, cursor: cursor)
        filter.schedule = schedule
        for name in status.flatMap({ $0.split(separator: ",") }) {
            guard let value = TaskStatus(rawValue: String(name)) else {
                throw CLIError.usage("unknown status '\(name)'; use \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.statuses.append(value)
        }
        let reader = try await TaskReader.connect(host)
        if all { return try await listAll(reader, filter) }
        repeat {
            let page = try await reader.list(filter)
            if json {
                try printJSON(page)
            } else {
                if watch && isatty(STDOUT_FILENO) == 1 { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                print(TaskText.list(page.tasks, hostDown: reader.isOffline), terminator: "")
                if let next = page.nextCursor, !watch { print("(more: --cursor \(next) for the next page, --all for every task)") }
            }
            fflush(nil)
            if watch { try await Task.sleep(for: .seconds(1)) }
        } while watch
    }

    /// Every page, one after the other, printed as one table or one JSON list.
    private func listAll(_ reader: TaskReader, _ first: TaskFilter) async throws {
        var filter = first
        var tasks: [TaskSummary] = []
        while true {
            let page = try await reader.list(filter)
            tasks += page.tasks
            guard let next = page.nextCursor else { break }
            filter.cursor = next
        }
        if !json { print(TaskText.list(tasks, hostDown: reader.isOffline), terminator: "") }
        if json { try printJSON(TaskPage(tasks: tasks, nextCursor: nil)) }
    }
}

/// `taskhost show ID`
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one task with its attempts (works without a running host).",
        discussion: "Examples:\n  taskhost show 7f3c\n  taskhost show 7f3c0a1b --json")

    @Argument(help: "A task id or unique prefix.")
    var id: String

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var host: ClientOptions

    func validate() throws { try TaskIDArgument.validate([id]) }

    func run() async throws {
        let detail = try await TaskReader.connect(host).detail(id)
        if json { try printJSON(detail) } else { print(TaskText.detail(detail), terminator: "") }
    }
}

/// `taskhost logs ID [--tail N] [--since D] [--follow]`
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a task's log (works without a running host; --follow needs one).",
        discussion: """
            --json prints {"lines": [...]}; with --follow, one JSON object per line as
            lines come.

            Examples:
              taskhost logs 7f3c
              taskhost logs 7f3c -n 20              # the newest 20 lines
              taskhost logs 7f3c --since 10m -f     # the last ten minutes, then new lines
            """)

    @Argument(help: "A task id or unique prefix.")
    var id: String

    @Flag(name: .shortAndLong, help: "Keep printing new lines until the task ends.")
    var follow = false

    @Option(name: [.customShort("n"), .long], help: "Only the newest N lines.")
    var tail: Int?

    @Option(name: .long, help: "Only lines logged since then: a duration ago (10m, 2h) or a time (ISO 8601).")
    var since: String?

    @Option(name: .long, help: "At most this many lines, oldest first.")
    var limit = 10_000

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var host: ClientOptions

    func validate() throws {
        try TaskIDArgument.validate([id])
        if let tail, tail < 1 { throw ValidationError("--tail \(tail) must be 1 or more") }
        guard limit >= 1 else { throw ValidationError("--limit \(limit) must be 1 or more") }
        if let since { _ = try Self.sinceDate(since) }
    }

    /// `--since`: a duration before now (10m, 2h) or an ISO 8601 time.
    static func sinceDate(_ text: String, now: Date = Date()) throws -> Date {
        if let date = ISOTime.date(text) { return date }
        guard text.contains(where: \.isLetter), let seconds = DurationParser.seconds(text) else {
            throw ValidationError("--since '\(text.clippedForMessage)' is not a duration (10m, 2h, 1d) or an ISO 8601 time (2026-12-01T09:00:00Z)")
        }
        return now.addingTimeInterval(-min(seconds, TimeBounds.maxSeconds))
    }

    func run() async throws {
        let sinceDate = try since.map { try Self.sinceDate($0) }
        let reader = follow ? .daemon(host.client()) : try await TaskReader.connect(host)
        let taskID = try await reader.detail(id).task.id
        let newest = tail != nil
        // Following a window: the newest line is read first, so whatever is logged while the
        // window is read comes with the stream (and what the window already printed is skipped).
        let newestBefore = follow && (newest || sinceDate != nil)
            ? try await reader.logs(taskID, after: 0, limit: 1, newest: true).last?.sequence ?? 0 : nil
        let entries = try await reader.logs(taskID, after: 0, limit: tail ?? limit, newest: newest, since: sinceDate)
        if json && !follow {
            return try printJSON(LogPage(lines: entries, nextCursor: nil))
        }
        for entry in entries { try printLine(entry) }
        guard follow else { return }
        let printed = entries.last?.sequence ?? 0
        try await followLogs(taskID, after: newestBefore ?? printed, skippingThrough: printed, client: host.client())
    }

    private func printLine(_ entry: TaskLogEntry) throws {
        print(json ? String(decoding: try APICoding.encoder.encode(entry), as: UTF8.self) : TaskText.logLine(entry))
    }

    /// Streams the lines after `cursor` until the task ends, leaving out those up to `skippingThrough` (already printed).
    private func followLogs(_ id: String, after cursor: Int64, skippingThrough printed: Int64, client: ControlClient) async throws {
        let buffer = LockedData()
        let json = json
        try await client.exchange(.GET, "/v1/tasks/\(id)/logs?follow=1&after=\(cursor)", timeout: nil) { chunk in
            buffer.append(chunk)
            for line in buffer.takeLines() {
                guard let entry = try? APICoding.decoder.decode(TaskLogEntry.self, from: Data(line.utf8)), entry.sequence > printed else { continue }
                print(json ? line : TaskText.logLine(entry))
                fflush(nil)
            }
        }
    }
}

extension LockedData {
    /// Removes and returns the complete lines received so far.
    func takeLines() -> [String] {
        let text = String(decoding: data, as: UTF8.self)
        guard let lastNewline = text.lastIndex(of: "\n") else { return [] }
        let complete = text[..<lastNewline]
        replace(with: Data(text[text.index(after: lastNewline)...].utf8))
        return complete.split(separator: "\n").map(String.init)
    }
}
