import ArgumentParser
import Foundation
import TaskHost

/// `taskhost start TYPE -p key=value ...`
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Submit a task to the running host and print its id.",
        discussion: """
            Examples:
              taskhost start hash-tree -p path=/usr/share/doc
              taskhost start sleep -p seconds=60 --name nap --priority 5 --tag project=demo
              taskhost start flaky -p failures=2 --retries 3 --wait
              taskhost start sleep --delay 10m --key nightly-nap
                                    # a second submit with that key returns the first id
              taskhost start chaos -p mode=leak --isolation process --memory-limit 200M
              taskhost start --from-file tasks.jsonl
                                    # a line a task: {"type":…,"parameters":…}
            """
    )

    @Argument(help: "The task type (see `taskhost types`).")
    var type: String?

    @Option(name: .long, help: "Submit the tasks in this JSON-lines file (- for standard input), 10,000 per transaction, all or none.")
    var fromFile: String?

    @Option(name: .short, parsing: .unconditionalSingleValue, help: "A parameter, key=value (repeatable).")
    var p: [String] = []

    @OptionGroup var options: TaskOptions

    @Option(name: .long, help: "thread (default) or process: run in a supervised worker process (crash, leak and hang cost only this task).")
    var isolation: String?

    @Option(name: .long, help: "Process isolation: the worker's memory limit (200M, 1G).")
    var memoryLimit: String?

    @Option(name: .long, help: "Process isolation: the worker's CPU-time limit (30s, 5m).")
    var cpuLimit: String?

    @Flag(name: .long, help: "Wait for the task to end (progress bar on a terminal); exit code from its outcome.")
    var wait = false

    @Flag(name: .long, help: "Print the task as JSON.")
    var json = false

    @OptionGroup var host: ClientOptions

    func validate() throws {
        switch (type, fromFile) {
        case (nil, nil): throw ValidationError("give a task type (see `taskhost types`) or --from-file FILE")
        case (_?, _?): throw ValidationError("give a task type or --from-file, not both")
        default: break
        }
    }

    func run() async throws {
        if let fromFile {
            try await BatchFile(path: fromFile, client: host.client(), json: json).submit()
            return
        }
        let client = host.client()
        var request = try submitRequest()
        request.parameters = try await CallerContext.resolvingPaths(request.parameters, type: request.type, client: client)
        if request.type == ShellTask.name { try CallerContext.shellDefaults(&request.parameters, umask: nil) }
        let task = try await client.call(.POST, "/v1/tasks", body: request, as: TaskRecord.self)
        if json && !wait {
            try printJSON(task)
        } else if !json {
            print(task.id)
        }
        if wait {
            let code = try await TaskWaiter(client: client, json: json).wait(for: task.id)
            if code != ExitStatus.ok { throw ExitCode(code) }
        }
    }

    func submitRequest() throws -> SubmitRequest {
        var options = try self.options.submitOptions()
        if let isolation {
            guard let value = TaskIsolation(rawValue: isolation) else {
                throw CLIError.usage("--isolation '\(isolation.clippedForMessage)' must be thread or process")
            }
            options.isolation = value
        }
        if let memoryLimit {
            do { options.memoryLimitBytes = try ByteSizeParser.bytes(memoryLimit, flag: "--memory-limit", range: (64 << 20)...(1 << 40)) } catch {
                throw CLIError.usage("\(error)")
            }
        }
        if let cpuLimit {
            options.cpuLimitSeconds = Int(try DurationParser.checked(cpuLimit, flag: "--cpu-limit", allowZero: false).rounded(.up))
        }
        let parameters = try KeyValue.parse(p, what: "-p").mapValues { ParameterValue.string($0) }
        return SubmitRequest(type: type ?? "", parameters: parameters, options: options)
    }
}

/// `key=value` arguments.
enum KeyValue {
    static func parse(_ items: [String], what: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in items {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw CLIError.usage("\(what) '\(item)' must be key=value")
            }
            result[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        return result
    }
}

/// Absolute times: ISO 8601, or HH:MM (today, or tomorrow if already past).
enum TimeParser {
    static func date(_ text: String, now: Date = Date()) -> Date? {
        if let date = ISOTime.date(text) { return date }
        let parts = text.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) else { return nil }
        let calendar = Calendar.current
        guard let today = calendar.date(bySettingHour: parts[0], minute: parts[1], second: 0, of: now) else { return nil }
        return today > now ? today : calendar.date(byAdding: .day, value: 1, to: today)
    }
}
