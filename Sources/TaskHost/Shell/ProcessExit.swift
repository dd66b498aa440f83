import Foundation

/// How a shell task's command ended, as stored and shown: an exit code or a signal.
public struct ProcessExit: Sendable, Codable, Equatable {
    /// The exit code, if it exited.
    public var exitCode: Int?
    /// The signal that killed it, if one did.
    public var signal: Int?

    /// Creates an ending: an exit code, or the signal that killed the command.
    public init(exitCode: Int?, signal: Int?) {
        self.exitCode = exitCode
        self.signal = signal
    }

    /// "exited with 3", "killed by signal 9 (SIGKILL)".
    public var text: String {
        if let signal { return "killed by signal \(signal) (\(Self.signalName(Int32(clamping: signal))))" }
        return "exited with \(exitCode ?? -1)"
    }

    /// The usual name of a Linux signal ("SIG15" for one without).
    static func signalName(_ signal: Int32) -> String { knownSignalName(signal) ?? "SIG\(signal)" }

    /// The usual name of a Linux signal, if it has one.
    static func knownSignalName(_ signal: Int32) -> String? {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT",
            SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1", SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2",
            SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGSYS: "SIGSYS",
        ]
        return names[signal]
    }
}

/// What a shell attempt returns as its result: how it ended, how long it took, its last lines.
struct ShellResult: Encodable {
    let exitCode: Int?
    let signal: Int?
    let durationSeconds: Double
    let lastLines: [String]
}

/// A `waitpid` status decoded once for every child the host waits for (WIFEXITED / WTERMSIG
/// spelled out: the macros are not imported into Swift).
struct WaitStatus {
    /// The signal that ended it; 0 when it exited.
    let signal: Int32
    /// Its exit code, when `signal` is 0.
    let exitCode: Int32

    init(_ status: Int32) {
        signal = status & 0x7F
        exitCode = (status >> 8) & 0xFF
    }
}
