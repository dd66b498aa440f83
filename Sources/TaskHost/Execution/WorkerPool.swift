import Foundation

/// Worker processes started ahead of need, so a process-isolated attempt does not wait for a
/// program to start (~40 ms): it takes an idle worker, which loads the plugin image when told.
/// A worker that ended an attempt cleanly and set no limits comes back for the next one (see
/// `WorkerAttempt`); a fresh one replaces every worker taken.
///
/// Workers are started from the pool's own long-lived thread: `PR_SET_PDEATHSIG` fires when the
/// *thread* that started a process ends, and this one lasts as long as the host.
final class WorkerPool: @unchecked Sendable {
    /// A started worker waiting for its `start` frame.
    struct Worker {
        let pid: pid_t
        let socket: Int32
        let errorFile: URL
        /// Attempts it has run so far.
        var attempts = 0
    }

    /// A worker is reused for at most this many attempts, and only while its RSS stays under `maxReuseBytes`.
    static let maxAttempts = 200
    static let maxReuseBytes = 256 << 20

    /// Takes back a worker that ended its attempt cleanly (it reported an outcome and set no limits).
    func giveBack(_ worker: Worker) {
        condition.lock()
        // Room for every worker coming back from a burst of attempts (besides the fresh ones the
        // pool keeps): killing them would leave the next attempts waiting for new programs.
        if !closed && idle.count < size * 8 {
            // Its next attempt's crash report must not carry this one's output.
            truncate(worker.errorFile.path, 0)
            idle.append(worker)
            condition.broadcast()
            condition.unlock()
            return
        }
        condition.unlock()
        kill(-worker.pid, SIGKILL)
        _ = ChildProcess.wait(worker.pid, timeout: 1)
        Glibc.close(worker.socket)
        try? FileManager.default.removeItem(at: worker.errorFile)
    }

    private let executable: String
    private let size: Int
    // Invariant: `idle`, `started` and `closed` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var idle: [Worker] = []
    private var started = false
    private var closed = false
    /// Callers waiting in `take` for a worker the pool does not have idle.
    private var wanted = 0

    init(executable: String, size: Int) {
        self.executable = executable
        self.size = max(1, size)
    }

    /// An idle worker, waiting up to 10 s for the pool's thread to start one (nil: none could be
    /// started, or the pool closed). `fresh`: one that has run nothing yet (limits are absolute:
    /// an attempt with limits must not inherit another's CPU time or memory).
    ///
    /// Every worker is started on the pool's thread: `PR_SET_PDEATHSIG` follows the thread that
    /// started a process, and a task thread ends when idle, which would kill the worker with it.
    func take(fresh: Bool) -> Worker? {
        condition.lock()
        defer { condition.unlock() }
        if !started && !closed {
            started = true
            Self.removeLeftoverErrorFiles()
            let thread = Thread { [self] in fill() }
            thread.name = "taskhost-worker-pool"
            thread.start()
        }
        let deadline = Date().addingTimeInterval(10)
        while !closed {
            // A worker that died while idle (killed from outside) is dropped.
            idle.removeAll { worker in
                guard ChildProcess.wait(worker.pid, timeout: 0) != nil else { return false }
                Glibc.close(worker.socket)
                try? FileManager.default.removeItem(at: worker.errorFile)
                return true
            }
            // A used worker first when any will do: the fresh ones are kept for limited attempts
            // and for bursts (taking them makes the pool start new programs).
            let candidates = idle.indices.filter { !fresh || idle[$0].attempts == 0 }
            if let index = candidates.max(by: { idle[$0].attempts < idle[$1].attempts }) {
                let worker = idle.remove(at: index)
                condition.broadcast()
                return worker
            }
            if Date() >= deadline { return nil }
            wanted += 1
            condition.broadcast()
            _ = condition.wait(until: deadline)
            wanted -= 1
        }
        return nil
    }

    /// Kills the idle workers; workers in use end with their attempts.
    func close() {
        condition.lock()
        closed = true
        let workers = idle
        idle.removeAll()
        condition.broadcast()
        condition.unlock()
        for worker in workers {
            kill(-worker.pid, SIGKILL)
            _ = ChildProcess.wait(worker.pid, timeout: 1)
            Glibc.close(worker.socket)
            try? FileManager.default.removeItem(at: worker.errorFile)
        }
    }

    /// Keeps `size` workers idle until the pool closes.
    private func fill() {
        condition.lock()
        while !closed {
            // Keep `size` fresh workers idle, plus one for each caller waiting.
            if idle.filter({ $0.attempts == 0 }).count >= size + wanted {
                condition.wait()
                continue
            }
            condition.unlock()
            let worker = try? Self.spawn(executable)
            condition.lock()
            guard let worker else {
                // Could not start one (out of processes?): try again in a second, do not spin.
                _ = condition.wait(until: Date().addingTimeInterval(1))
                continue
            }
            if closed {
                kill(-worker.pid, SIGKILL)
                _ = ChildProcess.wait(worker.pid, timeout: 1)
                Glibc.close(worker.socket)
            } else {
                idle.append(worker)
                // A caller may be waiting in `take` for exactly this one.
                condition.broadcast()
            }
        }
        condition.unlock()
    }

    /// Deletes the stderr files of workers of hosts that are gone (a host killed with SIGKILL
    /// cannot clean up after itself); their names carry the host's pid.
    static func removeLeftoverErrorFiles() {
        let directory = FileManager.default.temporaryDirectory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix("taskhost-worker-") && name.hasSuffix(".err") {
            let parts = name.split(separator: "-")
            guard parts.count >= 4, let host = Int32(parts[2]), host != getpid(), kill(host, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// Starts one worker in a process group of its own, talking over a socket pair.
    static func spawn(_ executable: String) throws -> Worker {
        var sockets: [Int32] = [0, 0]
        // Both ends close-on-exec: a worker started meanwhile from another thread must not inherit
        // this one's end (the host would then never see this worker's end of stream). The child
        // gets its end as 0 and 1 by dup2, which clears the flag on those.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sockets) == 0 else {
            throw ChildProcess.SpawnError(description: "socketpair: \(String(cString: strerror(errno)))")
        }
        let errorFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("taskhost-worker-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).err")
        var environment = ProcessInfo.processInfo.environment
        // The crash line ("Fatal error: ...") is what matters; a full backtrace takes long.
        environment["SWIFT_BACKTRACE"] = "enable=no"
        do {
            let pid = try ChildProcess.spawn(
                executable, ["worker"], environment: environment, standardOutput: "/dev/null", standardError: errorFile.path,
                socket: sockets[1])
            Glibc.close(sockets[1])
            return Worker(pid: pid, socket: sockets[0], errorFile: errorFile)
        } catch {
            Glibc.close(sockets[0])
            Glibc.close(sockets[1])
            throw error
        }
    }
}
