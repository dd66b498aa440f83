import Foundation
import TaskHost

/// `exec --wait`: a shell task's output printed as it comes (stdout lines to standard output,
/// stderr lines to standard error), then the command's exit code as this program's.
struct CommandOutput: Sendable {
    let client: ControlClient

    /// Prints the task's log lines until it ends.
    func follow(_ id: String) async throws {
        let buffer = LockedData()
        _ = try await client.exchange(.GET, "/v1/tasks/\(id)/logs?follow=1", timeout: nil) { chunk in
            buffer.append(chunk)
            for line in buffer.takeLines() {
                guard let entry = try? APICoding.decoder.decode(TaskLogEntry.self, from: Data(line.utf8)) else { continue }
                if entry.level == .info {
                    print(entry.message)
                    fflush(nil)
                } else {
                    printError(entry.message)
                }
            }
        }
    }

    /// The command's exit code as a shell gives it: its own, 128 + the signal that killed it, 124
    /// when its timeout ended it (as `timeout(1)`), 127 when the program was not found, 126 when it
    /// could not be executed; 1 if it never ran, or was stopped and exited on its own.
    func exitCode(of id: String, json: Bool) async throws -> Int32 {
        var task = try await client.call(.GET, "/v1/tasks/\(id)", as: TaskDetail.self).task
        // The log stream may end a moment before the final status is readable.
        for _ in 0..<50 where !task.status.isTerminal {
            try await Task.sleep(for: .milliseconds(100))
            task = try await client.call(.GET, "/v1/tasks/\(id)", as: TaskDetail.self).task
        }
        if json { try printJSON(task) }
        let exit = Self.shellExit(task)
        if let why = exit.why, !json { printError("error: task \(Formatting.shortID(task.id)) \(why.text) [\(why.code)]") }
        return exit.code
    }

    /// The exit code for a shell task's final record, and what to say (with a code) when the
    /// command itself did not set it.
    static func shellExit(_ task: TaskRecord) -> (code: Int32, why: (text: String, code: String)?) {
        if task.status == .failed, task.error?.type == TaskFailure.timeoutType {
            let limit = task.timeoutSeconds.map { " after \(Formatting.duration($0))" } ?? ""
            return (ExitStatus.timedOut, ("timed out\(limit)", "timed_out"))
        }
        let ended = task.status == .finished || task.status == .failed
        if let code = task.exitCode, ended { return (Int32(clamping: code), nil) }
        if let signal = task.signal, ended || task.status == .stopped {
            // A signal number from the API is not trusted to be small.
            let code = ExitStatus.signalBase + Int32(clamping: min(max(signal, 0), 127))
            return (code, task.status == .stopped ? ("stopped (\(ProcessExit(exitCode: nil, signal: signal).text))", "task_stopped") : nil)
        }
        let message = task.error.map { ": \($0.message)" } ?? ""
        switch task.error?.type {
        case ShellFailure.commandNotFound? where task.status == .failed:
            return (ExitStatus.commandNotFound, ("failed\(message)", "command_not_found"))
        case ShellFailure.cannotExecute? where task.status == .failed:
            return (ExitStatus.cannotExecute, ("failed\(message)", "cannot_execute"))
        default: break
        }
        if task.status == .finished { return (ExitStatus.ok, nil) }
        var why = task.status.rawValue + message
        if task.status == .stopped, let code = task.exitCode { why += " (the command exited with \(code))" }
        return (ExitStatus.failed, (why, "task_\(task.status.rawValue)"))
    }
}
