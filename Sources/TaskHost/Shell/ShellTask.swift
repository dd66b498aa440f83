import Foundation
import TaskKit

/// The built-in `shell` type: any program as a task. Its parameters are checked here, at submit;
/// the run itself is driven by `ShellAttempt` (a guarded process group, not a thread's code).
public struct ShellTask: BaseTask {
    /// The registry name.
    public static let name = "shell"
    /// Shown by `taskhost types`.
    public static let summary = "Run a command (an exact argv, or a /bin/sh -c string) with its output as the task's log"
    /// What a submit may give.
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("argv", .string, help: "the exact argv as a JSON array of strings, no shell: [\"rsync\",\"-a\",\"src/\",\"dst/\"]"),
        ParameterSpec("command", .string, help: "a command line run by /bin/sh -c (instead of argv)"),
        ParameterSpec(
            "cwd", .path,
            help: "working directory (the CLI makes a relative one absolute and sends the directory you run it in by default; an API submit without one runs in the host's $HOME)"),
        ParameterSpec("env", .string, help: "extra environment entries as a JSON object: {\"FOO\":\"x\"}"),
        ParameterSpec("inheritEnv", .bool, default: .bool(false), help: "start from the host's environment instead of PATH, HOME, LANG, TZ"),
        ParameterSpec("progressPattern", .string, help: "a regular expression whose first capture group is a percentage, read from output lines"),
        ParameterSpec("grace", .double, default: .double(10), help: "seconds between SIGTERM and SIGKILL when stopped or timed out"),
        ParameterSpec(
            "umask", .string,
            help: "the command's file mode creation mask, octal (the CLI sends yours; 0022 when not given)"),
    ]
    /// Parameters that hold JSON text (an array, an object): the API shows them as that JSON.
    public static let jsonTextParameters: Set<String> = ["argv", "env"]
    /// Commands are not assumed idempotent: a run cut off by a host death is interrupted, not run again.
    public static let settings = TaskTypeSettings(requeueOnInterrupt: false)

    /// The checked command.
    public let command: ShellCommand

    /// Checks the parameters (argv or command, absolute cwd, environment, pattern, grace).
    public init(parameters: TaskParameters) throws {
        command = try ShellCommand(parameters: parameters)
    }

    /// Never called: the host drives a shell attempt itself (see `ShellAttempt`).
    public func run(context: TaskContext) throws -> EmptyOutput {
        throw TaskError("shell tasks are run by the host's shell executor")
    }
}
