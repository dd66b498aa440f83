import Foundation
import TaskHost

/// Exit codes of `taskhost`, documented in `--help` and the README.
enum ExitStatus {
    /// Done; or the task waited for finished.
    static let ok: Int32 = 0
    /// The request failed, or the task waited for ended failed/stopped/interrupted.
    static let failed: Int32 = 1
    /// Bad command line.
    static let usage: Int32 = 2
    /// No host runs on the home directory.
    static let hostNotRunning: Int32 = 3
    /// `exec --wait`: 128 + N when signal N ended the command (as a shell says).
    static let signalBase: Int32 = 128
    /// `exec --wait`: the command's timeout ended it (as `timeout(1)` exits).
    static let timedOut: Int32 = 124
    /// `exec --wait`: the command could not be executed (as a shell exits).
    static let cannotExecute: Int32 = 126
    /// `exec --wait`: the program was not found (as a shell exits).
    static let commandNotFound: Int32 = 127
}

/// An error the CLI reports as `error: <message>` with its exit code.
enum CLIError: Error, CustomStringConvertible {
    /// Nothing listens on the home's control socket.
    case hostNotRunning(home: String, detail: String)
    /// The API answered with an error.
    case api(status: Int, code: String, message: String)
    /// The command line makes no sense.
    case usage(String)
    /// Anything else that failed.
    case failed(String)

    var exitCode: Int32 {
        switch self {
        case .hostNotRunning: ExitStatus.hostNotRunning
        case .usage: ExitStatus.usage
        case .api, .failed: ExitStatus.failed
        }
    }

    /// The code shown in brackets: the API's own, or one of the CLI's.
    var code: String {
        switch self {
        case .hostNotRunning: "host_not_running"
        case .api(_, let code, _): code
        case .usage: Self.usageCode
        case .failed: "failed"
        }
    }

    /// The message alone, without its code.
    var message: String {
        switch self {
        case .hostNotRunning(let home, _):
            "no taskhost is running for \(home); start one with `taskhost serve --home \(home)` (or set TASKHOST_HOME)"
        case .api(_, let code, let message): Self.hint(for: code).map { "\(message); \($0)" } ?? message
        case .usage(let message), .failed(let message): message
        }
    }

    /// What to run next, for the core's codes whose message (a fact, in no front end's words) it helps.
    static func hint(for code: String) -> String? {
        switch code {
        case "task_not_found": "`taskhost list` shows the ids"
        case "schedule_not_found": "`taskhost schedule list` shows them"
        case "disk_full", "storage_unavailable", "database_locked": "`taskhost health` says whether the host can write again"
        case "schedule_unreadable": "`taskhost schedule rm` with its id removes it"
        default: nil
        }
    }

    /// A core error met by the CLI itself (reading the database with no host running), with its code.
    static func core(_ error: TaskHostError) -> CLIError { .api(status: 0, code: error.code, message: error.description) }

    /// The code of a command line that makes no sense.
    static let usageCode = "usage"

    /// The message and its code: `what happened [code]`.
    var description: String { "\(message) [\(code)]" }
}
