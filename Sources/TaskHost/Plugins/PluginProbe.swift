import Foundation

/// Loads a new plugin image in a short-lived child process before the host `dlopen`s it.
///
/// `dlopen` runs the plugin's initialisers and registration runs its code; if either crashes or
/// hangs, only the child dies. The child is `<executable> plugins probe <image>` (the `taskhost`
/// binary's hidden command), which loads the image as the host would and exits 0, or prints the
/// rejection as JSON and exits 1. An image that passed is marked (`<hash>.ok` beside it) and not
/// probed again: the same bytes load the same way.
struct PluginProbe: Sendable {
    /// The program to run (`taskhost`); nil: no probe (an embedding program without the command).
    let executable: String
    let timeout: Double

    /// What the child prints when it refuses an image.
    struct Refusal: Codable, Sendable {
        let code: String
        let message: String
    }

    /// Throws `.probeFailed` (or the child's own rejection) unless the image loads in a child.
    func check(image: String) throws(PluginRejection) {
        let marker = image + ".ok"
        if FileManager.default.fileExists(atPath: marker) { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["plugins", "probe", image]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        var environment = ProcessInfo.processInfo.environment
        // A crash report is not needed from the probe, only its first line ("Fatal error: ...").
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        do { try process.run() } catch { throw .probeFailed("could not start the plugin probe \(executable): \(error.localizedDescription)") }
        let pid = process.processIdentifier
        let timedOut = ProbeFlag()
        let watchdog = DispatchWorkItem {
            timedOut.set()
            kill(pid, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let errorText = ProbeOutput()
        let errorReader = Thread { errorText.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        let stderrTail = errorText.waitForTail()
        if timedOut.isSet {
            throw .probeFailed("plugin probe did not finish loading within \(Int(timeout)) s (it hangs in its initialisers or registration)")
        }
        switch process.terminationReason {
        case .uncaughtSignal:
            let signal = process.terminationStatus
            throw .probeFailed("plugin probe killed by \(Self.signalName(signal)) during load" + (stderrTail.isEmpty ? "" : ": \(stderrTail)"))
        case .exit where process.terminationStatus == 0:
            _ = FileManager.default.createFile(atPath: marker, contents: Data())
        case .exit:
            if let refusal = try? JSONDecoder().decode(Refusal.self, from: stdout) {
                throw .probeFailed("refused in the probe (\(refusal.code)): \(refusal.message)")
            }
            throw .probeFailed("plugin probe exited with status \(process.terminationStatus) during load" + (stderrTail.isEmpty ? "" : ": \(stderrTail)"))
        @unknown default:
            throw .probeFailed("plugin probe ended unexpectedly")
        }
    }

    /// "SIGSEGV", "SIGILL", ... or "signal N".
    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL",
            SIGSEGV: "SIGSEGV", SIGTERM: "SIGTERM", SIGXCPU: "SIGXCPU", SIGSYS: "SIGSYS",
        ]
        return names[signal].map { "\($0) (signal \(signal))" } ?? "signal \(signal)"
    }
}

/// A flag set by the watchdog.
private final class ProbeFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// The child's standard error, read on its own thread; its last lines explain a crash.
private final class ProbeOutput: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()
    func set(_ newValue: Data) {
        data = newValue
        done.signal()
    }
    func waitForTail() -> String {
        done.wait()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        // Swift prints "Fatal error: ..." first, then a backtrace: the fatal line says the most.
        if let fatal = lines.first(where: { $0.contains("Fatal error") }) { return fatal.clippedForMessage(limit: 300) }
        return lines.suffix(2).joined(separator: " | ").clippedForMessage(limit: 300)
    }
}
