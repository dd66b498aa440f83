import ArgumentParser
import Foundation
import TaskHost

/// `taskhost exec [options] -- CMD [ARGS...]`: a command as a task (the built-in `shell` type).
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command as a task: logged, pausable, stoppable, with its exit code as the outcome.",
        discussion: """
            Everything after -- is the command's argv, exactly (no shell: quote as you
            would to run it). For a pipeline, run a shell: taskhost exec -- sh -c 'tar c
            src | zstd > src.tar.zst'. The command gets PATH, HOME, LANG and TZ (plus
            --env), or the host's whole environment with --inherit-env; standard input is
            /dev/null; stdout and stderr become the task's log lines (stderr at level
            warning). Pause freezes its whole process group, stop sends SIGTERM and, after
            --grace, SIGKILL. A command cut off by a host shutdown or crash is
            interrupted, never run twice on its own. The command runs with your umask
            (--umask to change it) in this directory (--cwd to change it). `taskhost serve
            --no-shell` turns this off.

            With --wait, the exit code is the command's own; 128 + N when signal N killed
            it; 124 when --timeout ended it; 127 when the program was not found; 126 when
            it could not be executed; 1 when it was stopped and exited by itself or never
            ran.

            Examples:
              taskhost exec -- rsync -a ~/photos/ /mnt/backup/photos/
              taskhost exec --name nightly --cwd ./site --env MODE=prod -- make deploy
              taskhost exec --wait -- ffmpeg -i in.mkv out.mp4   # its output and exit code
              taskhost exec --progress-pattern '([0-9.]+)%' -- ./convert.sh
              taskhost exec --timeout 1h --retries 2 -- ./sync.sh
            """
    )

    @OptionGroup var options: TaskOptions

    @OptionGroup(title: "Command Options") var shell: ShellOptions

    @Flag(name: .long, help: "Wait for the command: print its output here and exit with its exit code.")
    var wait = false

    @Flag(name: .long, help: "Print the task as JSON (with --wait, the final task).")
    var json = false

    @OptionGroup var host: ClientOptions

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
        SubmitRequest(type: ShellTask.name, parameters: try shell.parameters(command: command), options: try options.submitOptions())
    }
}
