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

    /// The command's exit code (128 + the signal that killed it; 1 if it never ran or was stopped).
    func exitCode(of id: String, json: Bool) async throws -> Int32 {
        var task = try await client.call(.GET, "/v1/tasks/\(id)", as: TaskDetail.self).task
        // The log stream may end a moment before the final status is readable.
        for _ in 0..<50 where !task.status.isTerminal {
            try await Task.sleep(for: .milliseconds(100))
            task = try await client.call(.GET, "/v1/tasks/\(id)", as: TaskDetail.self).task
        }
        if json { try printJSON(task) }
        let ended = task.status == .finished || task.status == .failed || task.status == .stopped
        if let code = task.exitCode, ended { return Int32(clamping: code) }
        if let signal = task.signal, ended { return Int32(clamping: 128 + signal) }
        if !json { printError("taskhost: task \(Formatting.shortID(task.id)) \(task.status.rawValue)\(task.error.map { ": \($0.message)" } ?? "")") }
        return task.status == .finished ? ExitStatus.ok : ExitStatus.failed
    }
}
