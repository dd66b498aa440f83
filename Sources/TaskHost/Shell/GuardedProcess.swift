import CProcessShims
import Foundation

/// A shell task's command running under its guard (see `taskhost_spawn_guarded`): the command
/// leads its own process group, its output comes through two pipes, and the guard kills the
/// group if the host dies.
struct GuardedProcess {
    /// The guard's pid (it ends, and is reaped, after the command).
    let guardPID: pid_t
    /// The command's pid, which is also its process group id.
    let group: pid_t
    /// Read ends of the command's standard output and error (non-blocking).
    let standardOutput: Int32
    let standardError: Int32
    /// Where the guard's remaining records arrive (exec failure, wait status); readable once the
    /// command has ended.
    let reports: Int32
    /// Closed by `release()`: the guard then kills what is left of the group and reaps the command.
    let releaseEnd: Int32
    /// Records that came before the pid (an exec failure can beat it).
    let early: [(tag: UInt8, value: Int32)]

    /// Why a command could not be started.
    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `program` with `argv` and `environment` in `directory`, with file mode creation mask
    /// `umask`; the guard shows as `title` in `ps`.
    static func start(
        program: String, argv: [String], environment: [String: String], directory: String, umask: mode_t, title: String
    ) throws -> GuardedProcess {
        let output = try pipePair(), errors = try pipePair(), reports = try pipePair(), release = try pipePair()
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment { free(pointer) }
        }
        let guardPID = taskhost_spawn_guarded(
            program, cArguments, cEnvironment, directory, output.write, errors.write, reports.write, release.read, umask, title)
        for descriptor in [output.write, errors.write, reports.write, release.read] { close(descriptor) }
        guard guardPID > 0 else {
            for descriptor in [output.read, errors.read, reports.read, release.write] { close(descriptor) }
            throw StartError(description: "could not start a process: \(String(cString: strerror(-guardPID)))")
        }
        // The guard's records up to the command's pid (its group).
        var early: [(tag: UInt8, value: Int32)] = []
        var group: pid_t?
        while group == nil, let record = readRecord(reports.read) {
            if record.tag == UInt8(ascii: "p") { group = record.value } else { early.append(record) }
        }
        guard let group else {
            for descriptor in [output.read, errors.read, reports.read, release.write] { close(descriptor) }
            _ = ChildProcess.wait(guardPID, timeout: 5)
            let reason = early.first.map { String(cString: strerror($0.value)) } ?? "its guard process ended at once"
            throw StartError(description: "could not start a process: \(reason)")
        }
        for descriptor in [output.read, errors.read] {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        return GuardedProcess(
            guardPID: guardPID, group: group, standardOutput: output.read, standardError: errors.read, reports: reports.read,
            releaseEnd: release.write, early: early)
    }

    /// How the command ended, once the guard has: its wait status, or why it never ran.
    enum Ending {
        case exited(Int32)
        case signaled(Int32)
        case couldNotChangeDirectory(errno: Int32)
        case couldNotExecute(errno: Int32)
        /// The guard itself was killed (SIGKILL to the group reaches only the command; this is a lost guard).
        case unknown(String)
    }

    /// How the command ended, from the guard's records (blocks until it has; call once the
    /// report pipe is readable). The command is kept as a zombie until `release()`.
    func ending() -> Ending {
        var ending: Ending?
        for record in early { ending = ending ?? Self.failure(record) }
        while let record = Self.readRecord(reports) {
            if record.tag == UInt8(ascii: "s") {
                let ended = WaitStatus(record.value)
                return ending ?? (ended.signal == 0 ? .exited(ended.exitCode) : .signaled(ended.signal))
            }
            ending = ending ?? Self.failure(record)
        }
        return ending ?? .unknown("its guard process ended without a report")
    }

    private static func failure(_ record: (tag: UInt8, value: Int32)) -> Ending? {
        switch record.tag {
        case UInt8(ascii: "c"): .couldNotChangeDirectory(errno: record.value)
        case UInt8(ascii: "x"): .couldNotExecute(errno: record.value)
        default: nil
        }
    }

    /// The host is done with the group: the guard kills what is left of it, reaps the command and
    /// ends; it is reaped here (waiting up to `timeout` seconds).
    func release(timeout: Double) {
        close(releaseEnd)
        if ChildProcess.wait(guardPID, timeout: timeout) == nil {
            kill(guardPID, SIGKILL)
            _ = ChildProcess.wait(guardPID, timeout: 1)
        }
    }

    /// True once the command ended (its guard's report is waiting to be read).
    var hasEnded: Bool {
        var descriptor = pollfd(fd: reports, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    func closeDescriptors() {
        for descriptor in [standardOutput, standardError, reports] { close(descriptor) }
    }

    private static func pipePair() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        guard taskhost_pipe_cloexec(&descriptors) == 0 else {
            throw StartError(description: "could not create a pipe: \(String(cString: strerror(errno)))")
        }
        return (descriptors[0], descriptors[1])
    }

    /// One 5-byte record (blocking), or nil at end of file.
    private static func readRecord(_ descriptor: Int32) -> (tag: UInt8, value: Int32)? {
        var bytes = [UInt8](repeating: 0, count: 5)
        var filled = 0
        while filled < 5 {
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress.map { $0 + filled }, 5 - filled) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            filled += count
        }
        let value = Int32(bitPattern: UInt32(bytes[1]) | UInt32(bytes[2]) << 8 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 24)
        return (bytes[0], value)
    }
}
