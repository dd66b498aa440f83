import ArgumentParser
import Foundation

/// The `taskhost` command line.
struct TaskhostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taskhost",
        abstract: "Run and control background tasks whose types come from plugins.",
        discussion: """
            Task types are plugins: shared libraries built against TaskKit and dropped
            into plugins.d/. The host (`taskhost serve`) runs them; the other commands
            talk to it over <home>/taskhost.sock.
            Home: --home, else $TASKHOST_HOME, else ./.taskhost.

            Examples:
              taskhost serve &                  # start the host
              taskhost start hash-tree -p path=/usr/share/doc
              taskhost list
              taskhost pause 7f3c               # ids by unique prefix, like git
              taskhost resume 7f3c
              taskhost wait 7f3c                # progress bar; exit code from the outcome

            Exit codes: 0 ok; 1 failed (request refused, or the task did not finish);
            2 usage; 3 no host running (list, show, logs and schedule list then read the
            database directly). exec --wait exits as the command did (124 timed out,
            126 not executable, 127 not found).
            Errors: `error: <what happened> [code]` on standard error.
            JSON (--json): an object for one thing; for several, an object with a named
            list: {"tasks": [...], "nextCursor": N}, {"types": [...]}, ...
            Shell completion: taskhost --generate-completion-script bash|zsh|fish
            """,
        subcommands: [
            ServeCommand.self, StartCommand.self, ListCommand.self, ShowCommand.self, LogsCommand.self, WaitCommand.self,
            PauseCommand.self, ResumeCommand.self, StopCommand.self, RestartCommand.self, RemoveCommand.self,
            ExecCommand.self, ScheduleCommand.self, TypesCommand.self, PluginsCommand.self, AuditCommand.self, PruneCommand.self, RunCommand.self, HealthCommand.self, WorkerCommand.self,
        ]
    )
}

/// Runs the command and maps errors to the documented exit codes and one voice on standard
/// error, `error: <what happened> [code]` (argument-parser's usage code 64 becomes 2).
@main
enum Main {
    static func main() async {
        do {
            var command = try TaskhostCommand.parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            printError("error: \(error.description)")
            exit(error.exitCode)
        } catch {
            let code = TaskhostCommand.exitCode(for: error)
            if code == .validationFailure {
                printError(usageError(error))
                exit(ExitStatus.usage)
            }
            // --help, --version and the exit codes commands throw print (or not) as argument-parser does.
            if code == .success || error is ExitCode || error is CleanExit {
                TaskhostCommand.exit(withError: error)
            }
            printError("error: \(TaskhostCommand.message(for: error)) [failed]")
            exit(ExitStatus.failed)
        }
    }

    /// argument-parser's message in this CLI's voice, then its usage line and where help is.
    static func usageError(_ error: any Error) -> String {
        let message = TaskhostCommand.message(for: error)
        var rest = TaskhostCommand.fullMessage(for: error)
        if let range = rest.range(of: message) { rest = String(rest[range.upperBound...]) }
        rest = rest.trimmingCharacters(in: .whitespacesAndNewlines)
        return "error: \(message) [\(CLIError.usageCode)]" + (rest.isEmpty ? "" : "\n" + rest)
    }
}
