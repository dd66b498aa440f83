import ArgumentParser
import Foundation
import TaskHost

/// `taskhost schedule ...`: tasks started by cron expressions or intervals.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Start tasks on a schedule: cron expressions (with time zones) or fixed intervals.",
        discussion: """
            A firing and the task it starts are written in one transaction: a firing never
            runs twice, and one missed while the host was down is caught up by --catch-up
            (latest by default).

            Examples:
              taskhost schedule add hash-tree --cron '30 2 * * *' --tz Europe/Berlin \\
                -p path=/srv
              taskhost schedule add shell --every 10m -- rsync -a ~/notes/ /mnt/notes/
              taskhost schedule preview --cron '0 9 * * MON-FRI' --tz America/New_York -n 5
              taskhost schedule list
              taskhost list --schedule 3fa9
            """,
        subcommands: [
            ScheduleAddCommand.self, ScheduleListCommand.self, ScheduleShowCommand.self, SchedulePauseCommand.self,
            ScheduleResumeCommand.self, ScheduleRemoveCommand.self, ScheduleNextCommand.self, SchedulePreviewCommand.self,
        ]
    )
}

/// When a schedule fires, as given on the command line.
struct TimingOptions: ParsableArguments {
    @Option(name: .long, help: "A cron expression: 5 fields (or 6 with leading seconds), or @hourly, @daily, @weekly, @monthly, @yearly.")
    var cron: String?

    @Option(name: .long, help: "A fixed interval (30s, 10m, 2h, 1d); one that divides a day is aligned to the clock.")
    var every: String?

    @Option(name: .long, help: "The cron expression's IANA time zone (default: the host's).")
    var tz: String?

    /// The interval in whole seconds, if one was given.
    func everySeconds() throws -> Int? {
        guard let every else { return nil }
        let seconds = try DurationParser.checked(every, flag: "--every", allowZero: false)
        guard seconds >= 1, seconds == seconds.rounded() else { throw CLIError.usage("--every '\(every)' must be a whole number of seconds, at least 1s") }
        guard seconds <= 100 * 366 * 86_400 else { throw CLIError.usage("--every '\(every)' is over 100 years") }
        return Int(seconds)
    }
}

/// `taskhost schedule add TYPE (--every D | --cron EXPR [--tz ZONE]) [-p k=v]... [-- CMD ARGS...]`
struct ScheduleAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a schedule; its parameters are checked now, not at the first firing.",
        discussion: """
            For the shell type, the command goes after -- and takes the options `exec`
            does: it runs in this directory unless --cwd, with your umask unless --umask.

            Examples:
              taskhost schedule add sleep --every 1m -p seconds=5 --name heartbeat
              taskhost schedule add hash-tree --cron '0 3 * * *' --tz Europe/Berlin \\
                -p path=/srv --catch-up skip
              taskhost schedule add shell --cron '*/15 * * * *' --overlap queue -- ./a.sh
              taskhost schedule add shell --every 1h --env MODE=prod --grace 30s \\
                --umask 0027 -- ./backup.sh
            """
    )

    @Argument(help: "The task type (see `taskhost types`).")
    var type: String

    @OptionGroup var timing: TimingOptions

    @Option(name: .short, parsing: .unconditionalSingleValue, help: "A parameter, key=value (repeatable).")
    var p: [String] = []

    @Option(name: .long, help: "A display name (also each task's name).")
    var name: String?

    @Option(name: .long, help: "Firings missed while the host was down: skip, latest (one task for them all; default) or all.")
    var catchUp: String?

    @Option(name: .long, help: "With --catch-up all: at most this many missed firings run (default 100).")
    var maxCatchUp: Int?

    @Option(name: .long, help: "A firing while the previous task has not ended: skip (default), queue (run it after) or allow.")
    var overlap: String?

    @Option(name: .long, help: "Higher runs first.")
    var priority = 0

    @Option(name: .long, help: "Retries after a failed run (default: the type's).")
    var retries: Int?

    @Option(name: .long, parsing: .unconditional, help: "Fail a run that takes longer than this (30s, 10m, 2h; a unit is required).")
    var timeout: String?

    @Option(name: .long, help: "A tag, key=value (repeatable).")
    var tag: [String] = []

    @Option(name: .long, help: "thread or process (plugin types).")
    var isolation: String?

    @OptionGroup(title: "Shell Options (the shell type only)") var shell: ShellOptions

    @Flag(name: .long, help: "Print the schedule as JSON.")
    var json = false

    @OptionGroup var host: ClientOptions

    @Argument(parsing: .postTerminator, help: "Shell: -- then the command and its arguments.")
    var command: [String] = []

    func run() async throws {
        var options = SubmitOptions(name: name, priority: priority, maxRetries: retries)
        options.tags = try KeyValue.parse(tag, what: "--tag")
        if let timeout { options.timeoutSeconds = try DurationParser.checked(timeout, flag: "--timeout", allowZero: false) }
        if let isolation {
            guard let value = TaskIsolation(rawValue: isolation) else { throw CLIError.usage("--isolation '\(isolation.clippedForMessage)' must be thread or process") }
            options.isolation = value
        }
        let client = host.client()
        var parameters = try await CallerContext.resolvingPaths(
            try KeyValue.parse(p, what: "-p").mapValues { ParameterValue.string($0) }, type: type, client: client)
        if type == ShellTask.name {
            parameters = try shell.parameters(command: command.isEmpty ? nil : command, adding: parameters)
        } else if !command.isEmpty {
            throw CLIError.usage("a command after -- is for the shell type only")
        } else if !shell.isEmpty {
            throw CLIError.usage("--cwd, --env, --inherit-env, --progress-pattern, --grace and --umask are for the shell type only")
        }
        let request = ScheduleRequest(
            type: type, parameters: parameters, options: options, name: name, cron: timing.cron, timeZone: timing.tz,
            everySeconds: try timing.everySeconds(), catchUp: try catchUp.map { try Self.policy($0, flag: "--catch-up") },
            maxCatchUp: maxCatchUp, overlap: try overlap.map { try Self.policy($0, flag: "--overlap") })
        let schedule = try await client.call(.POST, "/v1/schedules", body: request, as: ScheduleRecord.self)
        if json { try printJSON(schedule) } else { print(schedule.id) }
    }

    static func policy<Policy: RawRepresentable & CaseIterable>(_ text: String, flag: String) throws -> Policy where Policy.RawValue == String {
        guard let value = Policy(rawValue: text) else {
            throw CLIError.usage("\(flag) '\(text.clippedForMessage)' must be one of \(Policy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}

/// `taskhost schedule list`
struct ScheduleListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List schedules with their next firing (works without a running host: reads the database).")

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var host: ClientOptions

    func run() async throws {
        let schedules = try await TaskReader.connect(host).schedules()
        if json { try printJSON(ScheduleList(schedules: schedules)) } else { print(ScheduleText.list(schedules), terminator: "") }
    }
}

/// `taskhost schedule show ID`
struct ScheduleShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one schedule.")

    @Argument(help: "A schedule id or unique prefix.")
    var id: String

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var host: ClientOptions

    func run() async throws {
        let schedule = try await host.client().call(.GET, "/v1/schedules/\(queryValue(id))", as: ScheduleRecord.self)
        if json { try printJSON(schedule) } else { print(ScheduleText.detail(schedule), terminator: "") }
    }
}

/// `taskhost schedule pause|resume|rm ID...`: the shared body.
struct ScheduleChange {
    let host: ClientOptions
    let json: Bool

    func run(_ ids: [String], verb: String, method: HTTPMethodName, path: (String) -> String) async throws {
        let client = host.client()
        var failures = 0
        var records: [ScheduleRecord] = []
        for id in ids {
            do {
                if method == .delete {
                    let removed = try await client.call(.DELETE, path(queryValue(id)), as: [String: String].self)
                    if !json { print("removed schedule \(Formatting.shortID(removed["id"] ?? id))") }
                    continue
                }
                let schedule = try await client.call(.POST, path(queryValue(id)), as: ScheduleRecord.self)
                records.append(schedule)
                if !json {
                    let next = schedule.paused || verb == "removed" ? "" : schedule.nextAt.map { "; next \(ScheduleTiming.iso($0))" } ?? "; it never fires again"
                    print("\(verb) schedule \(Formatting.shortID(schedule.id))\(next)")
                }
            } catch let error as CLIError {
                if case .hostNotRunning = error { throw error }
                failures += 1
                printError("error: \(id): \(error.description)")
            }
        }
        if json { try printJSON(ScheduleList(schedules: records)) }
        if failures > 0 { throw ExitCode(ExitStatus.failed) }
    }

    enum HTTPMethodName { case post, delete }
}

/// `taskhost schedule pause ID...`
struct SchedulePauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop schedules from firing (their tasks are not touched).")
    @Argument(help: "Schedule ids or unique prefixes.") var ids: [String]
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var host: ClientOptions

    func run() async throws {
        try await ScheduleChange(host: host, json: json).run(ids, verb: "paused", method: .post) { "/v1/schedules/\($0)/pause" }
    }
}

/// `taskhost schedule resume ID...`
struct ScheduleResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Let paused schedules fire again, from their next firing (the paused time is not caught up).")
    @Argument(help: "Schedule ids or unique prefixes.") var ids: [String]
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var host: ClientOptions

    func run() async throws {
        try await ScheduleChange(host: host, json: json).run(ids, verb: "resumed", method: .post) { "/v1/schedules/\($0)/resume" }
    }
}

/// `taskhost schedule rm ID...`
struct ScheduleRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove schedules (the tasks they started stay).")
    @Argument(help: "Schedule ids or unique prefixes.") var ids: [String]
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var host: ClientOptions

    func run() async throws {
        try await ScheduleChange(host: host, json: json).run(ids, verb: "removed", method: .delete) { "/v1/schedules/\($0)" }
    }
}

/// `taskhost schedule next ID [-n N]`
struct ScheduleNextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next", abstract: "Print a schedule's next firings: UTC, and the local time in its zone.")
    @Argument(help: "A schedule id or unique prefix.") var id: String
    @Option(name: .short, help: "How many.") var n = 5
    @Flag(name: .long, help: "Print JSON: {\"timeZone\": Z, \"firings\": [{\"at\": UTC, \"local\": time in Z}]}.") var json = false
    @OptionGroup var host: ClientOptions

    func run() async throws {
        guard (1...10_000).contains(n) else { throw CLIError.usage("-n \(n) is out of range 1-10000") }
        let times = try await host.client().call(.GET, "/v1/schedules/\(queryValue(id))/next?n=\(n)", as: FiringList.self)
        if json { try printJSON(times) } else { print(ScheduleText.firings(times), terminator: "") }
    }
}

/// `taskhost schedule preview (--cron EXPR [--tz ZONE] | --every D) [--from ISO] [-n N] [--json]`: no host needed.
struct SchedulePreviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview", abstract: "Print when an expression would fire, in UTC and in its zone (no host needed).",
        discussion: """
            Example:
              taskhost schedule preview --cron '30 2 * * *' --tz Europe/Berlin \\
                --from 2026-03-28T00:00:00Z -n 3
            """)
    @OptionGroup var timing: TimingOptions
    @Option(name: .long, help: "List firings strictly after this time (exclusive; ISO 8601; default now).") var from: String?
    @Option(name: .short, help: "How many.") var n = 10
    @Flag(name: .long, help: "Print JSON: {\"timeZone\": Z, \"firings\": [{\"at\": UTC, \"local\": time in Z}]}.") var json = false

    func run() async throws {
        var start = Date()
        if let from {
            guard let date = ISOTime.date(from) else { throw CLIError.usage("--from '\(from.clippedForMessage)' is not an ISO 8601 time") }
            start = date
        }
        guard (1...10_000).contains(n) else { throw CLIError.usage("-n \(n) is out of range 1-10000") }
        let request = ScheduleRequest(type: "", cron: timing.cron, timeZone: timing.tz, everySeconds: try timing.everySeconds())
        let schedule: ScheduleTiming
        do { schedule = try request.timing(now: start) } catch { throw CLIError.api(status: 0, code: error.code, message: error.description) }
        let times = FiringList(schedule.firings(after: start, count: n), timeZone: schedule.displayZone)
        if json { try printJSON(times) } else { print(ScheduleText.firings(times), terminator: "") }
    }
}
