import ArgumentParser
import Foundation

/// The `taskhost` command line.
struct TaskhostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taskhost",
        abstract: "Run and control background tasks whose types come from plugins.",
        discussion: """
            Task types are plugins: shared libraries built against TaskKit and dropped into plugins.d/.
            The host (`taskhost serve`) runs them; the other commands talk to it over <home>/taskhost.sock.
            Home: --home, else $TASKHOST_HOME, else ./.taskhost.

            Examples:
              taskhost serve &                              # start the host
              taskhost start hash-tree -p path=/usr/share/doc
              taskhost list
              taskhost pause 7f3c; taskhost resume 7f3c     # ids by unique prefix, like git
              taskhost wait 7f3c                            # progress bar; exit code from the outcome

            Exit codes: 0 ok, 1 failed (request refused, or the task did not finish), 2 usage,
            3 no host running (list, show and logs then read the database directly).
            Shell completion: taskhost --generate-completion-script bash|zsh|fish
            """,
        subcommands: [
            ServeCommand.self, StartCommand.self, ListCommand.self, ShowCommand.self, LogsCommand.self, WaitCommand.self,
            PauseCommand.self, ResumeCommand.self, StopCommand.self, RestartCommand.self, RemoveCommand.self,
            ExecCommand.self, ScheduleCommand.self, TypesCommand.self, PluginsCommand.self, AuditCommand.self, PruneCommand.self, RunCommand.self, HealthCommand.self, WorkerCommand.self,
        ]
    )
}

/// Runs the command and maps errors to the documented exit codes (argument-parser's usage code 64 becomes 2).
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
                printError(TaskhostCommand.fullMessage(for: error))
                exit(ExitStatus.usage)
            }
            TaskhostCommand.exit(withError: error)
        }
    }
}
