import ArgumentParser
import Foundation
import TaskHost

/// `taskhost exec [options] -- CMD [ARGS...]`: a command as a task (the built-in `shell` type).
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command as a task: logged, pausable, stoppable, with its exit code as the outcome.",
        discussion: """
            Everything after -- is the command's argv, exactly (no shell: quote as you would to run it).
            For a pipeline, run a shell: taskhost exec -- sh -c 'tar c src | zstd > src.tar.zst'.
            The command gets PATH, HOME, LANG and TZ (plus --env), or the host's whole environment with
            --inherit-env; standard input is /dev/null; stdout and stderr become the task's log lines
            (stderr at level warning). Pause freezes its whole process group, stop sends SIGTERM and,
            after --grace, SIGKILL. A command cut off by a host shutdown or crash is interrupted, never
            run twice on its own. `taskhost serve --no-shell` turns this off.

            Examples:
              taskhost exec -- rsync -a ~/photos/ /mnt/backup/photos/
              taskhost exec --name nightly --cwd ./site --env MODE=prod -- make deploy
              taskhost exec --wait -- ffmpeg -i in.mkv out.mp4           # output here; exit code of ffmpeg
              taskhost exec --progress-pattern '([0-9.]+)%' -- ./convert.sh
              taskhost exec --timeout 1h --retries 2 -- ./sync.sh
            """
    )

    @OptionGroup var options: TaskOptions

    @Option(name: .long, help: "Working directory (relative to this one; default: this one).")
    var cwd: String?

    @Option(name: .long, parsing: .unconditionalSingleValue, help: "An environment entry, NAME=value (repeatable).")
    var env: [String] = []

    @Flag(name: .long, help: "Start from the host's whole environment instead of PATH, HOME, LANG and TZ.")
    var inheritEnv = false

    @Option(name: .long, help: "A regular expression whose first group is a percentage in the output ('([0-9]+)%').")
    var progressPattern: String?

    @Option(name: .long, help: "Time between SIGTERM and SIGKILL when stopped or timed out (default 10s).")
    var grace: String?

    @Flag(name: .long, help: "Wait for the command: print its output here and exit with its exit code.")
    var wait = false

    @Flag(name: .long, help: "Print the task as JSON.")
    var json = false

    @OptionGroup var host: HostOptions

    @Argument(parsing: .postTerminator, help: "-- then the command and its arguments.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("give the command after --, e.g. taskhost exec -- ls -l") }
    }

    func run() async throws {
        let client = host.client()
        let task = try await client.call(.POST, "/v1/tasks", body: try submitRequest(), as: TaskRecord.self)
        guard wait else {
            if json { try printJSON(task) } else { print(task.id) }
            return
        }
        if !json { try await CommandOutput(client: client).follow(task.id) }
        let code = try await CommandOutput(client: client).exitCode(of: task.id, json: json)
        if code != ExitStatus.ok { throw ExitCode(code) }
    }

    func submitRequest() throws -> SubmitRequest {
        let submit = try options.submitOptions()
        let here = FileManager.default.currentDirectoryPath
        let directory = cwd.map { $0.hasPrefix("/") ? $0 : URL(fileURLWithPath: here).appendingPathComponent($0).standardized.path } ?? here
        var parameters: [String: ParameterValue] = [
            "argv": .string(try Self.json(command)),
            "cwd": .string(directory),
        ]
        let entries = try KeyValue.parse(env, what: "--env")
        if !entries.isEmpty { parameters["env"] = .string(try Self.json(entries)) }
        if inheritEnv { parameters["inheritEnv"] = .bool(true) }
        if let progressPattern { parameters["progressPattern"] = .string(progressPattern) }
        if let grace { parameters["grace"] = .double(try DurationParser.checked(grace, flag: "--grace", allowZero: true)) }
        return SubmitRequest(type: ShellTask.name, parameters: parameters, options: submit)
    }

    private static func json<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try APICoding.encoder.encode(value), as: UTF8.self)
    }
}
