import Foundation

/// A child process started with `posix_spawn` in a process group of its own, waited for with a
/// deadline. Foundation's `Process` is not used here: its exit monitoring waits on descriptors a
/// grandchild can inherit and hold open, so a plugin that forks could hang the host.
enum ChildProcess {
    /// How a child ended.
    enum Ending: Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    /// Why a child could not be started.
    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `executable` with standard input from /dev/null and its output appended to files;
    /// the child leads a new process group (so `kill(-pid, ...)` reaches everything it starts).
    /// `socket`: instead of /dev/null and the output file, standard input and output are this
    /// descriptor (a socket to talk to the child over).
    static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String], standardOutput: String, standardError: String,
        socket: Int32? = nil
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let socket {
            posix_spawn_file_actions_adddup2(&actions, socket, 0)
            posix_spawn_file_actions_adddup2(&actions, socket, 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        }
        // Appended: the host truncates it between a reused worker's attempts.
        posix_spawn_file_actions_addopen(&actions, 2, standardError, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new process group, no blocked signals and default handlers: a host thread's mask
        // (SIGTERM, SIGXCPU... blocked) must not carry over into the child.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        // The ones a host may ignore (a dispatch source handles SIGTERM/SIGINT that way; NIO ignores SIGPIPE).
        var reset = sigset_t()
        sigemptyset(&reset)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGXCPU, SIGXFSZ, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM] {
            sigaddset(&reset, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &reset)
        // argv[0] names the program ("taskhost"), whatever path started it (/proc/self/exe).
        let name = (executable as NSString).lastPathComponent == "exe" ? "taskhost" : executable
        let argv = ([name] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else { throw SpawnError(description: String(cString: strerror(status))) }
        return pid
    }

    /// Waits up to `timeout` seconds for `pid` to end; nil if it is still running.
    static func wait(_ pid: pid_t, timeout: Double) -> Ending? {
        let deadline = ContinuousClock.now + .milliseconds(Int64(max(0, min(timeout, 86_400)) * 1000))
        var status: Int32 = 0
        var pause: useconds_t = 50
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let ended = WaitStatus(status)
                return ended.signal == 0 ? .exited(ended.exitCode) : .signaled(ended.signal)
            }
            if result < 0 && errno != EINTR { return .exited(-1) }
            if ContinuousClock.now >= deadline { return nil }
            // Most children asked to end do so within a millisecond: look again soon, then less often.
            usleep(pause)
            pause = min(pause * 2, 2_000)
        }
    }
}
