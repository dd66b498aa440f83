import Foundation

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

    var description: String {
        switch self {
        case .hostNotRunning(let home, _):
            "no taskhost is running for \(home); start one with `taskhost serve --home \(home)` (or set TASKHOST_HOME)"
        case .api(_, let code, let message): "\(message) [\(code)]"
        case .usage(let message): message
        case .failed(let message): message
        }
    }
}
