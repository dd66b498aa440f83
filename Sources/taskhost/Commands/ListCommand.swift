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

    @Option(name: .long, help: "At most this many tasks.")
    var limit = 50

    @Flag(name: .long, help: "Print JSON (a page: tasks and nextCursor).")
    var json = false

    @Flag(name: .long, help: "Redraw every second until Ctrl-C.")
    var watch = false

    @OptionGroup var host: HostOptions

    func run() async throws {
        var filter = TaskFilter(type: type, tags: try KeyValue.parse(tag, what: "--tag"), limit: limit)
        filter.schedule = schedule
        for name in status.flatMap({ $0.split(separator: ",") }) {
            guard let value = TaskStatus(rawValue: String(name)) else {
                throw CLIError.usage("unknown status '\(name)'; use \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.statuses.append(value)
        }
        let reader = try await TaskReader.connect(host)
        repeat {
            let page = try await reader.list(filter)
            if json {
                try printJSON(page)
            } else {
                if watch && isatty(STDOUT_FILENO) == 1 { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                print(TaskText.list(page.tasks, hostDown: reader.isOffline), terminator: "")
                if page.nextCursor != nil && !watch { print("(more: --limit \(limit * 2) to see more)") }
            }
            fflush(nil)
            if watch { try await Task.sleep(for: .seconds(1)) }
        } while watch
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

    @OptionGroup var host: HostOptions

    func validate() throws { try TaskIDArgument.validate([id]) }

    func run() async throws {
        let detail = try await TaskReader.connect(host).detail(id)
        if json { try printJSON(detail) } else { print(TaskText.detail(detail), terminator: "") }
    }
}

/// `taskhost logs ID [--follow]`
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a task's log (works without a running host; --follow needs one).",
        discussion: "Examples:\n  taskhost logs 7f3c\n  taskhost logs 7f3c --follow")

    @Argument(help: "A task id or unique prefix.")
    var id: String

    @Flag(name: .shortAndLong, help: "Keep printing new lines until the task ends.")
    var follow = false

    func validate() throws { try TaskIDArgument.validate([id]) }

    @Option(name: .long, help: "At most this many lines (oldest first).")
    var limit = 10_000

    @Flag(name: .long, help: "Print JSON lines.")
    var json = false

    @OptionGroup var host: HostOptions

    func run() async throws {
        if follow {
            let client = host.client()
            let detail = try await client.call(.GET, "/v1/tasks/\(queryValue(id))", as: TaskDetail.self)
            let buffer = LockedData()
            let json = json
            try await client.exchange(.GET, "/v1/tasks/\(detail.task.id)/logs?follow=1", timeout: nil) { chunk in
                buffer.append(chunk)
                for line in Self.takeLines(buffer) {
                    if json {
                        print(line)
                    } else if let entry = try? APICoding.decoder.decode(TaskLogEntry.self, from: Data(line.utf8)) {
                        print(TaskText.logLine(entry))
                    }
                    fflush(nil)
                }
            }
            return
        }
        let entries = try await TaskReader.connect(host).logs(id, after: 0, limit: limit)
        for entry in entries {
            if json {
                print(String(decoding: try APICoding.encoder.encode(entry), as: UTF8.self))
            } else {
                print(TaskText.logLine(entry))
            }
        }
    }

    /// Complete lines taken out of `buffer` (a partial last line stays).
    private static func takeLines(_ buffer: LockedData) -> [String] {
        buffer.takeLines()
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
