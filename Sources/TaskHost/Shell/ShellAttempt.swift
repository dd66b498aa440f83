import Foundation
import TaskKit

/// The error types of a shell attempt that a caller acts on (`exec --wait` turns them into a
/// shell's exit codes: 127 not found, 126 not executable).
public enum ShellFailure {
    /// The program is not on PATH, or its path names no file.
    public static let commandNotFound = "CommandNotFound"
    /// The program exists but could not be executed (permissions, not an executable format).
    public static let cannotExecute = "ExecFailed"
}

/// How a shell attempt ended: the outcome, and for a command that ran, its exit and result.
struct ShellOutcome {
    let outcome: AttemptOutcome
    var exit: ProcessExit?
    var resultJSON: String?
}

/// Runs one attempt of a `shell` task on the task's thread: starts the command under its guard,
/// turns its output into log lines (and progress), and applies the manager's requests to its
/// whole process group — pause freezes it (SIGSTOP), resume thaws it, stop and timeout send
/// SIGTERM and, after the grace, SIGKILL.
struct ShellAttempt {
    let command: ShellCommand
    let control: RunControl
    let maxLineBytes: Int
    /// The host's environment (the base of an inheriting command's, and where PATH comes from).
    var hostEnvironment = ProcessInfo.processInfo.environment
    /// Where a command without `cwd` runs.
    var defaultDirectory = ProcessInfo.processInfo.environment["HOME"] ?? "/"
    /// How many of the last output lines go into the result.
    static let resultLines = 20
    /// At most this long between SIGTERM and SIGKILL when the host shuts down (its own grace is 10 s by default).
    static let shutdownGraceSeconds = 5.0

    func run() -> ShellOutcome {
        let environment = command.environment(host: hostEnvironment, taskID: control.taskID, attempt: control.attempt)
        let directory = command.workingDirectory ?? defaultDirectory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return ShellOutcome(outcome: .failed(message: "working directory \(directory) does not exist or is not a directory", errorType: "WorkingDirectory"))
        }
        let program: String
        do { program = try command.resolveProgram(environment: environment, workingDirectory: directory) } catch {
            return ShellOutcome(outcome: .failed(message: "\(error)", errorType: ShellFailure.commandNotFound))
        }
        let started = ContinuousClock.now
        let process: GuardedProcess
        do {
            process = try GuardedProcess.start(
                program: program, argv: command.argv, environment: environment, directory: directory, umask: command.umask,
                title: "taskhost: guard for task \(control.taskID.prefix(12)) (\((program as NSString).lastPathComponent))")
        } catch {
            return ShellOutcome(outcome: .failed(message: "\(error)", errorType: "SpawnFailed"))
        }
        defer { process.closeDescriptors() }
        control.workerState = (process.group, false)
        var session = Session(process: process, control: control, command: command, maxLineBytes: maxLineBytes)
        let ending = session.drive()
        // Whatever of the group outlived the command (a background child) goes with it; the group
        // id is still the command's (a zombie until released), so no other process is hit.
        kill(-process.group, SIGKILL)
        kill(-process.group, SIGCONT)
        control.workerState = nil
        process.release(timeout: 5)
        return session.outcome(of: ending, duration: (ContinuousClock.now - started).seconds, program: program)
    }

    /// The driving loop's state.
    private struct Session {
        let process: GuardedProcess
        let control: RunControl
        let command: ShellCommand
        let progress: NSRegularExpression?
        var output: OutputLines
        var errors: OutputLines
        var lastLines: [String] = []
        var stopSentAt: ContinuousClock.Instant?
        var killed = false
        var outputOpen = true
        var errorsOpen = true
        var buffer = [UInt8](repeating: 0, count: 65_536)

        init(process: GuardedProcess, control: RunControl, command: ShellCommand, maxLineBytes: Int) {
            self.process = process
            self.control = control
            self.command = command
            progress = command.progressPattern.flatMap { try? NSRegularExpression(pattern: $0) }
            output = OutputLines(maxLineBytes: maxLineBytes)
            errors = OutputLines(maxLineBytes: maxLineBytes)
        }

        /// Follows the command until it ends; returns how.
        mutating func drive() -> GuardedProcess.Ending {
            while true {
                var descriptors = [
                    pollfd(fd: outputOpen ? process.standardOutput : -1, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: errorsOpen ? process.standardError : -1, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: process.reports, events: Int16(POLLIN), revents: 0),
                ]
                let ready = poll(&descriptors, 3, 20)
                if ready > 0 {
                    if descriptors[0].revents != 0 { readAvailable(fromErrors: false) }
                    if descriptors[1].revents != 0 { readAvailable(fromErrors: true) }
                    if descriptors[2].revents != 0 { break }
                }
                enforce()
            }
            drainOutput()
            return process.ending()
        }

        /// After the command ended: what is left in the pipes, for at most 100 ms (a background
        /// child may hold them open; it is killed next).
        private mutating func drainOutput() {
            let deadline = ContinuousClock.now + .milliseconds(100)
            while outputOpen || errorsOpen, ContinuousClock.now < deadline {
                var descriptors = [
                    pollfd(fd: outputOpen ? process.standardOutput : -1, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: errorsOpen ? process.standardError : -1, events: Int16(POLLIN), revents: 0),
                ]
                guard poll(&descriptors, 2, 10) > 0 else { continue }
                if descriptors[0].revents != 0 { readAvailable(fromErrors: false) }
                if descriptors[1].revents != 0 { readAvailable(fromErrors: true) }
            }
            if let line = output.finish() { record(line, fromErrors: false) }
            if let line = errors.finish() { record(line, fromErrors: true) }
        }

        /// Reads what one pipe holds now (up to 1 MB per call, so one stream cannot starve the other).
        private mutating func readAvailable(fromErrors: Bool) {
            let descriptor = fromErrors ? process.standardError : process.standardOutput
            for _ in 0..<16 {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else {
                    if count == 0 {
                        if fromErrors { errorsOpen = false } else { outputOpen = false }
                    }
                    return
                }
                let lines = buffer.withUnsafeBytes { bytes in
                    let chunk = UnsafeRawBufferPointer(rebasing: bytes[0..<count])
                    return fromErrors ? errors.append(chunk) : output.append(chunk)
                }
                for line in lines { record(line, fromErrors: fromErrors) }
                if count < buffer.count { return }
            }
        }

        private mutating func record(_ line: String, fromErrors: Bool) {
            control.log(fromErrors ? .warning : .info, line)
            lastLines.append(String(line.prefix(1000)))
            if lastLines.count > ShellAttempt.resultLines * 2 { lastLines.removeFirst(lastLines.count - ShellAttempt.resultLines) }
            if let progress, let percent = Self.percent(in: line, pattern: progress) {
                control.progress(completed: Int64(percent.rounded(.down)), total: 100, message: String(line.prefix(200)))
            }
        }

        private static func percent(in line: String, pattern: NSRegularExpression) -> Double? {
            let range = NSRange(line.startIndex..., in: line)
            guard let match = pattern.firstMatch(in: line, range: range), match.numberOfRanges > 1,
                let captured = Range(match.range(at: 1), in: line), let value = Double(line[captured]), value.isFinite
            else { return nil }
            return min(100, max(0, value))
        }

        /// The manager's requests: stop (SIGTERM, SIGKILL after the grace), pause (freeze the group
        /// and block in the control like a task at a checkpoint; thaw on resume).
        private mutating func enforce() {
            let group = process.group
            if let reason = control.requestedStop {
                if let sent = stopSentAt {
                    if !killed, ContinuousClock.now - sent >= .milliseconds(Int64(grace(for: reason) * 1000)) {
                        killed = true
                        kill(-group, SIGKILL)
                    }
                } else {
                    sendStop(reason)
                }
                return
            }
            guard control.pauseIsRequested else { return }
            kill(-group, SIGSTOP)
            control.workerState = (group, true)
            // Blocks until resumed, or throws when stopped meanwhile; gives up if the command ends meanwhile.
            let process = process
            do {
                try control.checkpoint { process.hasEnded }
            } catch {
                // Stopped while frozen: the signal goes first, so the command does not run on in between.
                if let reason = control.requestedStop { sendStop(reason) }
            }
            kill(-group, SIGCONT)
            control.workerState = (group, false)
        }

        /// SIGTERM (SIGKILL with no grace), then SIGCONT so a frozen group receives it.
        private mutating func sendStop(_ reason: StopReason) {
            stopSentAt = .now
            killed = grace(for: reason) == 0
            kill(-process.group, killed ? SIGKILL : SIGTERM)
            kill(-process.group, SIGCONT)
        }

        /// A host shutdown does not wait the full grace: the host's own deadline must not pass first.
        private func grace(for reason: StopReason) -> Double {
            reason == .shutdown ? min(command.graceSeconds, ShellAttempt.shutdownGraceSeconds) : command.graceSeconds
        }

        /// The attempt's outcome from how the command ended.
        func outcome(of ending: GuardedProcess.Ending, duration: Double, program: String) -> ShellOutcome {
            var exit: ProcessExit?
            let failure: (message: String, type: String)?
            switch ending {
            case .exited(let code):
                exit = ProcessExit(exitCode: Int(code), signal: nil)
                failure = code == 0 ? nil : ("exited with \(code)", "ExitCode")
            case .signaled(let signal):
                exit = ProcessExit(exitCode: nil, signal: Int(signal))
                failure = (ProcessExit(exitCode: nil, signal: Int(signal)).text, "Signal")
            case .couldNotChangeDirectory(let error):
                failure = ("cannot change to working directory \(command.workingDirectory ?? "?"): \(String(cString: strerror(error)))", "WorkingDirectory")
            case .couldNotExecute(let error) where error == ENOENT && FileManager.default.fileExists(atPath: program):
                // The file is there: what exec did not find is the interpreter its #! line names.
                failure = ("cannot run \(program): the interpreter its #! line names was not found", ShellFailure.commandNotFound)
            case .couldNotExecute(let error) where error == ENOENT:
                failure = ("command not found: \(program) (\(String(cString: strerror(error))))", ShellFailure.commandNotFound)
            case .couldNotExecute(let error):
                failure = ("cannot run \(program): \(String(cString: strerror(error)))", ShellFailure.cannotExecute)
            case .unknown(let text):
                failure = ("the command's end is unknown: \(text)", "ShellGuard")
            }
            let result = exit.map {
                ShellResult(exitCode: $0.exitCode, signal: $0.signal, durationSeconds: (duration * 1000).rounded() / 1000,
                    lastLines: Array(lastLines.suffix(ShellAttempt.resultLines)))
            }
            let json = result.flatMap { try? APICoding.encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) }
            // A stop was asked for and either its signal went out (the command may trap it and exit 0)
            // or the command did not succeed: stopped, whoever's signal ended it (a service manager
            // may signal the group during a host shutdown before this driver does). The exit is kept.
            if let reason = control.requestedStop, failure != nil || stopSentAt != nil {
                return ShellOutcome(outcome: .stopped(reason), exit: exit, resultJSON: json)
            }
            if let failure {
                return ShellOutcome(outcome: .failed(message: failure.message, errorType: failure.type), exit: exit, resultJSON: json)
            }
            return ShellOutcome(outcome: .finished(resultJSON: json ?? "{}"), exit: exit, resultJSON: json)
        }
    }
}
