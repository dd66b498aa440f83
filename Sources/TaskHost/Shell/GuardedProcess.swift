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

    /// Why a command could not be started.
    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `program` with `argv` and `environment` in `directory`.
    static func start(program: String, argv: [String], environment: [String: String], directory: String) throws -> GuardedProcess {
        let output = try pipePair(), errors = try pipePair(), reports = try pipePair()
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment { free(pointer) }
        }
        let guardPID = taskhost_spawn_guarded(program, cArguments, cEnvironment, directory, output.write, errors.write, reports.write)
        for descriptor in [output.write, errors.write, reports.write] { close(descriptor) }
        guard guardPID > 0 else {
            for descriptor in [output.read, errors.read, reports.read] { close(descriptor) }
            throw StartError(description: "could not start a process: \(String(cString: strerror(-guardPID)))")
        }
        // The guard's first record: the command's pid (its group), or why it could not fork.
        let first = readRecord(reports.read)
        guard let first, first.tag == UInt8(ascii: "p") else {
            _ = ChildProcess.wait(guardPID, timeout: 5)
            for descriptor in [output.read, errors.read, reports.read] { close(descriptor) }
            let reason = first.map { String(cString: strerror($0.value)) } ?? "its guard process ended at once"
            throw StartError(description: "could not start a process: \(reason)")
        }
        for descriptor in [output.read, errors.read] {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        return GuardedProcess(
            guardPID: guardPID, group: first.value, standardOutput: output.read, standardError: errors.read, reports: reports.read)
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

    /// Reaps the guard (waiting up to `timeout` seconds) and reads what it reported.
    func reap(timeout: Double) -> Ending? {
        guard let guardEnding = ChildProcess.wait(guardPID, timeout: timeout) else { return nil }
        var ending: Ending?
        while let record = Self.readRecord(reports) {
            switch record.tag {
            case UInt8(ascii: "c"): ending = .couldNotChangeDirectory(errno: record.value)
            case UInt8(ascii: "x"): ending = .couldNotExecute(errno: record.value)
            case UInt8(ascii: "s") where ending == nil:
                let status = record.value
                let signal = status & 0x7F
                ending = signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
            default: break
            }
        }
        return ending ?? .unknown("its guard process ended without a report (\(guardEnding))")
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
