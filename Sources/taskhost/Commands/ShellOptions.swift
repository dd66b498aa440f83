import ArgumentParser
import Foundation
import TaskHost
import TaskKit

/// How a command runs, shared by `exec` and `schedule add shell`.
struct ShellOptions: ParsableArguments {
    @Option(name: .long, help: "Working directory (relative to this one; default: this one).")
    var cwd: String?

    @Option(name: .long, parsing: .unconditionalSingleValue, help: "An environment entry, NAME=value (repeatable).")
    var env: [String] = []

    @Flag(name: .long, help: "Start from the host's whole environment instead of PATH, HOME, LANG and TZ.")
    var inheritEnv = false

    @Option(name: .long, help: "A regular expression whose first group is a percentage in the output ('([0-9]+)%').")
    var progressPattern: String?

    @Option(name: .long, parsing: .unconditional, help: "Time between SIGTERM and SIGKILL when stopped or timed out (default 10s).")
    var grace: String?

    @Option(name: .long, help: "The command's file mode creation mask, octal (default: yours, as `umask` prints it).")
    var umask: String?

    /// True when any option was given (they are for the shell type only).
    var isEmpty: Bool { cwd == nil && env.isEmpty && !inheritEnv && progressPattern == nil && grace == nil && umask == nil }

    /// The shell type's parameters for `command` (nil: a `command` string given with -p) run as these options say.
    func parameters(command: [String]?, adding given: [String: ParameterValue] = [:]) throws -> [String: ParameterValue] {
        var parameters = given
        if let command { parameters["argv"] = .string(try Self.json(command)) }
        if let cwd { parameters["cwd"] = .string(CallerContext.absolute(cwd)) }
        let entries = try KeyValue.parse(env, what: "--env")
        if !entries.isEmpty { parameters["env"] = .string(try Self.json(entries)) }
        if inheritEnv { parameters["inheritEnv"] = .bool(true) }
        if let progressPattern { parameters["progressPattern"] = .string(progressPattern) }
        if let grace { parameters["grace"] = .double(try Self.graceSeconds(grace)) }
        try CallerContext.shellDefaults(&parameters, umask: umask)
        return parameters
    }

    /// `--grace` in seconds: 0 to an hour, the range the shell type accepts.
    static func graceSeconds(_ text: String) throws -> Double {
        let range = "it must be from 0s to \(Int(ShellCommand.maxGraceSeconds / 60))m"
        guard !text.trimmingCharacters(in: .whitespaces).hasPrefix("-") else { throw CLIError.usage("--grace '\(text.clippedForMessage)' is out of range: \(range)") }
        let seconds = try DurationParser.checked(text, flag: "--grace", allowZero: true)
        guard seconds <= ShellCommand.maxGraceSeconds else { throw CLIError.usage("--grace '\(text.clippedForMessage)' is out of range: \(range)") }
        return seconds
    }

    private static func json<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try APICoding.encoder.encode(value), as: UTF8.self)
    }
}
