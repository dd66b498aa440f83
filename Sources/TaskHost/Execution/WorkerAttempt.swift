import Foundation
import TaskKit

/// Runs one attempt in a worker process and drives it from a host thread, mirroring the worker
/// in the attempt's `RunControl`: the worker's reports become the control's reports, and the
/// manager's pause and stop become frames — or, when the code does not reach a checkpoint in
/// time, a freeze (SIGSTOP of its process group) and signals (SIGTERM, then SIGKILL).
struct WorkerAttempt {
    let executable: String
    let start: WorkerStart
    let control: RunControl
    /// How long a pause waits for a checkpoint before the worker is frozen.
    var pauseGrace: Duration = .milliseconds(50)
    /// How long a stop waits for the worker to unwind before SIGTERM; SIGKILL follows as long again.
    var stopGrace: Duration = .milliseconds(400)

    /// Where idle workers come from (nil: start one for this attempt).
    var pool: WorkerPool?

    func run() -> AttemptOutcome {
        let worker: WorkerPool.Worker
        let limited = start.memoryLimitBytes != nil || start.cpuLimitSeconds != nil
        if let pool {
            guard let ready = pool.take(fresh: limited) else {
                return .failed(message: "could not start a worker process (\(executable)) within 10 s", errorType: "WorkerStart")
            }
            worker = ready
        } else {
            do { worker = try WorkerPool.spawn(executable) } catch {
                return .failed(message: "could not start a worker (\(executable)): \(error)", errorType: "WorkerStart")
            }
        }
        let pid = worker.pid
        let errorFile = worker.errorFile
        let channel = FrameChannel(descriptor: worker.socket)
        var reusable = false
        defer {
            control.workerState = nil
            if reusable, let pool {
                var returned = worker
                returned.attempts += 1
                pool.giveBack(returned)
            } else {
                kill(-pid, SIGKILL)
                _ = ChildProcess.wait(pid, timeout: 5)
                close(worker.socket)
                try? FileManager.default.removeItem(at: errorFile)
            }
        }
        control.workerState = (pid, false)
        channel.send(WorkerCommand.start(start))
        var session = Session(pid: pid, channel: channel, control: control, pauseGrace: pauseGrace, stopGrace: stopGrace)
        session.memoryLimit = start.memoryLimitBytes
        if let outcome = session.drive() {
            // A worker that reported its outcome, set no limits (rlimits only go down) and stayed
            // small runs the next attempt: no program start per task.
            reusable = start.memoryLimitBytes == nil && start.cpuLimitSeconds == nil && !session.stopSent
                && worker.attempts + 1 < WorkerPool.maxAttempts && Session.residentBytes(of: pid) < WorkerPool.maxReuseBytes
            return outcome
        }
        return death(of: pid, session: session, errorFile: errorFile)
    }

    /// The worker ended without reporting an outcome: say how, with its last words.
    private func death(of pid: pid_t, session: Session, errorFile: URL) -> AttemptOutcome {
        let ending = ChildProcess.wait(pid, timeout: 5)
        let stderr = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        let tail = PluginProbe.tail(of: Data(stderr.utf8))
        for line in stderr.split(separator: "\n").suffix(5) { control.log(.error, "worker: \(line)") }
        if let reason = control.requestedStop, session.stopSent { return .stopped(reason) }
        let how: String
        switch ending {
        case .signaled(let signal)?: how = "worker killed by \(PluginProbe.signalName(signal))"
        case .exited(let status)?: how = "worker exited with status \(status) without reporting an outcome"
        case nil: how = "worker did not end"
        }
        if session.killedForMemory || stderr.contains("Could not allocate memory"), let limit = start.memoryLimitBytes {
            return .failed(message: "exceeded memory limit \(ByteCount.text(limit)) (\(how))", errorType: "MemoryLimit")
        }
        if case .signaled(SIGXCPU)? = ending, let limit = start.cpuLimitSeconds {
            return .failed(message: "exceeded CPU limit \(limit) s (\(how))", errorType: "CPULimit")
        }
        return .failed(message: how + (tail.isEmpty ? "" : ": \(tail)"), errorType: "WorkerCrash")
    }

    /// The host side of one worker's life.
    private struct Session {
        let pid: pid_t
        let channel: FrameChannel
        let control: RunControl
        let pauseGrace: Duration
        let stopGrace: Duration
        var stopSent = false
        var stopSentAt: ContinuousClock.Instant?
        var pauseSentAt: ContinuousClock.Instant?
        var killedForMemory = false
        var memoryLimit: Int?

        init(pid: pid_t, channel: FrameChannel, control: RunControl, pauseGrace: Duration, stopGrace: Duration) {
            self.pid = pid
            self.channel = channel
            self.control = control
            self.pauseGrace = pauseGrace
            self.stopGrace = stopGrace
        }

        /// Follows the worker until it reports an outcome (returned) or ends without one (nil).
        mutating func drive() -> AttemptOutcome? {
            while true {
                var poller = pollfd(fd: channel.descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, 20)
                if ready > 0 {
                    guard channel.receive() else { return nil }
                    do {
                        while let report = try channel.nextFrame(as: WorkerReport.self) {
                            if let outcome = handle(report) { return outcome }
                        }
                    } catch {
                        control.log(.error, "the worker broke the protocol: \(error)")
                        kill(-pid, SIGKILL)
                        return nil
                    }
                }
                enforce()
            }
        }

        /// One report; an outcome ends the drive.
        private mutating func handle(_ report: WorkerReport) -> AttemptOutcome? {
            switch report {
            case .progress(let completed, let total, let message): control.progress(completed: completed, total: total, message: message)
            case .log(let level, let message): control.log(level, message)
            case .state(let data): try? control.saveState(data)
            case .stateUndecodable(let reason): control.savedStateUndecodable(reason)
            case .paused:
                // A report of a pause the host no longer wants (it froze and thawed meanwhile, or
                // the pause was cancelled): let the worker go on.
                if pauseSentAt == nil && !control.pauseIsRequested {
                    channel.send(WorkerCommand.resume)
                } else {
                    mirrorPause(frozen: false)
                }
            case .finished(let json): return .finished(resultJSON: json)
            case .failed(let message, let errorType): return .failed(message: message, errorType: errorType)
            case .stopped: return .stopped(control.requestedStop ?? .user)
            }
            return nil
        }

        /// Requests from the manager, and the deadlines of those not honoured in time.
        private mutating func enforce() {
            let now = ContinuousClock.now
            // The memory limit, by what the worker really holds (RLIMIT_DATA also bounds its heap).
            if let limit = memoryLimit, !killedForMemory, Self.residentBytes(of: pid) > limit {
                killedForMemory = true
                kill(-pid, SIGCONT)
                kill(-pid, SIGKILL)
                return
            }
            if control.requestedStop != nil {
                if !stopSent {
                    stopSent = true
                    stopSentAt = now
                    if control.workerState?.frozen == true { thaw() }
                    channel.send(control.requestedStop == .user ? WorkerCommand.stopForUser : WorkerCommand.stop)
                } else if let sent = stopSentAt {
                    if now - sent >= stopGrace * 2 {
                        kill(-pid, SIGKILL)
                    } else if now - sent >= stopGrace {
                        kill(-pid, SIGTERM)
                    }
                }
                return
            }
            guard control.pauseIsRequested else {
                // A pause cancelled before its grace ran out: the next one gets a grace of its own.
                pauseSentAt = nil
                return
            }
            if let sent = pauseSentAt {
                // No checkpoint in time: freeze the whole process group (0 CPU while paused).
                if now - sent >= pauseGrace {
                    kill(-pid, SIGSTOP)
                    mirrorPause(frozen: true)
                }
            } else {
                pauseSentAt = now
                channel.send(WorkerCommand.pause)
            }
        }

        /// The worker is blocked (at a checkpoint, or frozen): block in the control like a thread
        /// task would, so the manager records the pause; on resume, let the worker go on.
        private mutating func mirrorPause(frozen: Bool) {
            control.workerState = (pid, frozen)
            pauseSentAt = nil
            do {
                try control.checkpoint()
                if frozen { thaw() }
                channel.send(WorkerCommand.resume)
            } catch {
                // Stopped while paused: `enforce` sends the stop next round.
                if frozen { thaw() }
            }
        }

        /// The resident set of `pid`, from /proc (0 if unreadable).
        static func residentBytes(of pid: pid_t) -> Int {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return 0 }
            let fields = text.split(separator: " ")
            guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
            return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
        }

        private func thaw() {
            kill(-pid, SIGCONT)
            control.workerState = (pid, false)
        }
    }
}
