import Foundation
import Synchronization

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
    ///
    /// The child's output goes to files, not pipes (a process the plugin forks could hold a pipe
    /// open forever), and on timeout its whole process group is killed (the child makes itself a
    /// group leader first thing).
    func check(image: String) throws(PluginRejection) {
        let marker = image + ".ok"
        if FileManager.default.fileExists(atPath: marker) { return }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("taskhost-probe-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outputFile = scratch.appendingPathComponent("stdout"), errorFile = scratch.appendingPathComponent("stderr")
        let pid: pid_t
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            var environment = ProcessInfo.processInfo.environment
            // A crash report is not needed from the probe, only its first line ("Fatal error: ...").
            environment["SWIFT_BACKTRACE"] = "enable=no"
            pid = try ChildProcess.spawn(
                executable, ["plugins", "probe", image], environment: environment, standardOutput: outputFile.path,
                standardError: errorFile.path)
        } catch {
            throw .probeFailed("could not start the plugin probe \(executable): \(error)")
        }
        let ending = ChildProcess.wait(pid, timeout: timeout)
        // Whatever the plugin started in the child's group goes with it (and all of it on a timeout).
        kill(-pid, SIGKILL)
        if ending == nil {
            _ = ChildProcess.wait(pid, timeout: 5)
        }
        let stdout = (try? Data(contentsOf: outputFile)) ?? Data()
        let stderrTail = Self.tail(of: (try? Data(contentsOf: errorFile)) ?? Data())
        switch ending {
        case nil:
            throw .probeFailed("plugin probe did not finish loading within \(Int(timeout)) s (it hangs in its initialisers or registration)")
        case .signaled(let signal):
            throw .probeFailed("plugin probe killed by \(Self.signalName(signal)) during load" + (stderrTail.isEmpty ? "" : ": \(stderrTail)"))
        case .exited(0):
            _ = FileManager.default.createFile(atPath: marker, contents: Data())
        case .exited(let status):
            if let refusal = try? JSONDecoder().decode(Refusal.self, from: stdout) {
                throw .probeFailed("refused in the probe (\(refusal.code)): \(refusal.message)")
            }
            throw .probeFailed("plugin probe exited with status \(status) during load" + (stderrTail.isEmpty ? "" : ": \(stderrTail)"))
        }
    }

    /// The line of the child's standard error that explains a crash: Swift prints "Fatal error: ..."
    /// first, then a backtrace; otherwise the last two lines.
    static func tail(of data: Data) -> String {
        let lines = String(decoding: data.suffix(64 * 1024), as: UTF8.self).split(separator: "\n").map(String.init)
        if let fatal = lines.first(where: { $0.contains("Fatal error") }) { return fatal.clippedForMessage(limit: 300) }
        return lines.suffix(2).joined(separator: " | ").clippedForMessage(limit: 300)
    }

    /// "SIGSEGV", "SIGILL", ... or "signal N".
    static func signalName(_ signal: Int32) -> String {
        ProcessExit.knownSignalName(signal).map { "\($0) (signal \(signal))" } ?? "signal \(signal)"
    }
}

