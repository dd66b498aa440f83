import Foundation
import TaskKit

/// A shell task's parameters, checked: what to run, where, with which environment.
public struct ShellCommand: Sendable, Equatable {
    /// The argv; for a `command` string, `["/bin/sh", "-c", command]`.
    public let argv: [String]
    /// The working directory (absolute), or nil for the host's home directory.
    public let workingDirectory: String?
    /// Entries added to (or replacing in) the environment.
    public let environment: [String: String]
    /// Start from the host's whole environment instead of a small clean one.
    public let inheritsEnvironment: Bool
    /// Reads a percentage from output lines (first capture group).
    public let progressPattern: String?
    /// Seconds between SIGTERM and SIGKILL.
    public let graceSeconds: Double
    /// The command's file mode creation mask (the submitter's; 0022 when not given).
    public let umask: mode_t

    /// The mask a command gets when its submit names none: the usual login default, not the host's
    /// own 0077 (kept for its private files), so a backup writes files its user's tools can read.
    public static let defaultUmask: mode_t = 0o022

    /// The longest grace accepted, in seconds (an hour).
    public static let maxGraceSeconds = 3600.0

    /// Checks `parameters` as the `shell` type declares them.
    public init(parameters: TaskParameters) throws {
        let argvText = parameters["argv"].flatMap { if case .string(let text) = $0 { text } else { nil } }
        let commandText = parameters["command"].flatMap { if case .string(let text) = $0 { text } else { nil } }
        switch (argvText, commandText) {
        case (nil, nil):
            throw TaskError("give either 'argv' (a JSON array of strings) or 'command' (a /bin/sh -c string)")
        case (_?, _?):
            throw TaskError("give 'argv' or 'command', not both")
        case (let text?, nil):
            guard let words = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
                throw TaskError("'argv' must be a JSON array of strings, like [\"ls\",\"-l\"]; got \(text.clippedForMessage)")
            }
            guard let program = words.first, !program.isEmpty else { throw TaskError("'argv' is empty: it needs at least the program") }
            argv = words
        case (nil, let command?):
            guard !command.trimmingCharacters(in: .whitespaces).isEmpty else { throw TaskError("'command' is empty") }
            argv = ["/bin/sh", "-c", command]
        }
        if argv.contains(where: { $0.utf8.contains(0) }) { throw TaskError("an argument contains a NUL byte, which no program can receive") }
        if case .string(let cwd)? = parameters["cwd"] {
            guard cwd.hasPrefix("/") else { throw TaskError("'cwd' must be an absolute path (the CLI makes relative ones absolute); got \(cwd.clippedForMessage)") }
            workingDirectory = cwd
        } else {
            workingDirectory = nil
        }
        if case .string(let text)? = parameters["env"] {
            guard let entries = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)) else {
                throw TaskError("'env' must be a JSON object of strings, like {\"FOO\":\"x\"}; got \(text.clippedForMessage)")
            }
            for (key, value) in entries {
                guard !key.isEmpty, !key.contains("="), !key.utf8.contains(0), !value.utf8.contains(0) else {
                    throw TaskError("environment name \(key.clippedForMessage) is invalid: it must be non-empty, without '=' or NUL")
                }
            }
            environment = entries
        } else {
            environment = [:]
        }
        if case .bool(let inherit)? = parameters["inheritEnv"] { inheritsEnvironment = inherit } else { inheritsEnvironment = false }
        if case .string(let pattern)? = parameters["progressPattern"] {
            let expression: NSRegularExpression
            do { expression = try NSRegularExpression(pattern: pattern) } catch {
                throw TaskError("'progressPattern' is not a valid regular expression: \(pattern.clippedForMessage)")
            }
            guard expression.numberOfCaptureGroups >= 1 else {
                throw TaskError("'progressPattern' needs a capture group around the percentage, like '([0-9.]+)%'")
            }
            progressPattern = pattern
        } else {
            progressPattern = nil
        }
        let grace = (try? parameters.double("grace")) ?? 10
        guard grace.isFinite, grace >= 0, grace <= Self.maxGraceSeconds else {
            throw TaskError("'grace' must be between 0 and \(Int(Self.maxGraceSeconds)) seconds; got \(grace)")
        }
        graceSeconds = grace
        if case .string(let text)? = parameters["umask"] {
            guard let mask = Self.parseUmask(text) else {
                throw TaskError("'umask' must be an octal mask from 0 to 0777, like 0022; got \(text.clippedForMessage)")
            }
            umask = mask
        } else {
            umask = Self.defaultUmask
        }
    }

    /// An octal mask, "022" or "0022" (1 to 4 octal digits, at most 0777).
    public static func parseUmask(_ text: String) -> mode_t? {
        guard (1...4).contains(text.count), text.allSatisfy({ ("0"..."7").contains($0) }), let value = UInt32(text, radix: 8), value <= 0o777
        else { return nil }
        return mode_t(value)
    }

    /// A mask as written for people and for the `umask` parameter: "0022".
    public static func umaskText(_ mask: mode_t) -> String {
        let digits = String(mask & 0o777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The command's environment: a small clean one (or the host's whole one) plus the given entries.
    public func environment(host: [String: String], taskID: String, attempt: Int) -> [String: String] {
        var result: [String: String]
        if inheritsEnvironment {
            result = host
        } else {
            result = ["PATH": host["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"]
            for key in ["HOME", "LANG", "TZ"] { result[key] = host[key] }
        }
        result["TASKHOST_TASK_ID"] = taskID
        result["TASKHOST_ATTEMPT"] = String(attempt)
        result.merge(environment) { _, given in given }
        return result
    }

    /// The program to exec: argv[0] as a path (relative to the working directory) when it has a
    /// slash, else the first executable file of that name on the command's PATH.
    public func resolveProgram(environment: [String: String], workingDirectory directory: String) throws -> String {
        let program = argv[0]
        if program.contains("/") {
            return program.hasPrefix("/") ? program : (directory as NSString).appendingPathComponent(program)
        }
        let path = environment["PATH"] ?? ""
        for entry in path.split(separator: ":", omittingEmptySubsequences: false) {
            let folder = entry.isEmpty ? directory : (String(entry).hasPrefix("/") ? String(entry) : (directory as NSString).appendingPathComponent(String(entry)))
            let candidate = (folder as NSString).appendingPathComponent(program)
            var status = stat()
            if stat(candidate, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        throw TaskError("command not found: '\(program.clippedForMessage)' is not an executable file on PATH=\(path.clippedForMessage)")
    }
}
