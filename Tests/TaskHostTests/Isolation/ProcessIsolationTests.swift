import Foundation
import TaskHost
import Testing

/// Process isolation with the real binary and the chaos plugin: a crashing, leaking or spinning
/// task costs only itself.
@Suite("Supervised worker processes")
struct ProcessIsolationTests {
    func id(_ result: CommandResult) -> String { result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    func detail(_ daemon: DaemonFixture, _ id: String) throws -> TaskDetail {
        let show = try daemon.cli("show", id, "--json")
        try #require(show.status == 0, "\(show.stderr)")
        return try APICoding.decoder.decode(TaskDetail.self, from: Data(show.stdout.utf8))
    }

    /// User + system CPU ticks of a process, from /proc.
    func cpuTicks(_ pid: Int32) -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    func isGone(_ pid: Int32) -> Bool {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.isEmpty || stat.contains(") Z ")
    }

    @Test("fatalError and a segfault in a worker fail only their task, with the signal named; a sibling runs on")
    func crashesCostOnlyThemselves() throws {
        let daemon = try DaemonFixture(plugins: ["Chaos"])
        let sibling = id(try daemon.cli("start", "chaos", "-p", "mode=ok", "-p", "seconds=30", "--isolation", "process"))
        // No --isolation: the chaos type asks for a worker itself (TaskTypeSettings.prefersProcessIsolation).
        let fatal = id(try daemon.cli("start", "chaos", "-p", "mode=fatal"))
        let segv = id(try daemon.cli("start", "chaos", "-p", "mode=segv", "--isolation", "process"))
        #expect(try daemon.cli("wait", fatal).status == 1)
        #expect(try daemon.cli("wait", segv).status == 1)
        let fatalDetail = try detail(daemon, fatal)
        #expect(fatalDetail.task.error?.message.hasPrefix("worker killed by SIGILL (signal 4)") == true, "\(fatalDetail.task.error?.message ?? "")")
        #expect(fatalDetail.task.error?.message.contains("Fatal error: chaos: fatalError on purpose") == true)
        #expect(fatalDetail.task.isolation == .process)
        #expect(try detail(daemon, segv).task.error?.message.hasPrefix("worker killed by SIGSEGV (signal 11)") == true)
        #expect(try daemon.cli("logs", fatal).stdout.contains("worker:"), "the worker's last stderr lines are in the log")
        #expect(try detail(daemon, sibling).task.status == .running)
        #expect(try daemon.cli("stop", sibling).status == 0)
        #expect(try daemon.cli("wait", sibling).status == 1)
        #expect(try detail(daemon, sibling).task.status == .stopped)
        #expect(daemon.process.isRunning)
    }

    @Test("a leak under --memory-limit 200M fails naming the limit; the host stays small")
    func memoryLimit() throws {
        let daemon = try DaemonFixture(plugins: ["Chaos"])
        let leak = try daemon.cli("start", "chaos", "-p", "mode=leak", "-p", "mb=2000", "--isolation", "process", "--memory-limit", "200M", "--wait")
        #expect(leak.status == 1)
        #expect(leak.stdout.contains("exceeded memory limit 200 MB"), "\(leak.stdout)")
        let status = try String(contentsOfFile: "/proc/\(daemon.process.processIdentifier)/status", encoding: .utf8)
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        #expect(rss < 150_000, "host RSS \(rss) kB")
        let refused = try daemon.cli("start", "chaos", "--isolation", "thread", "--memory-limit", "200M")
        // Limits are absolute for a process: a limited attempt never gets a reused worker.
        _ = try daemon.cli("start", "chaos", "-p", "mode=leak", "-p", "mb=100", "--wait")
        let small = try daemon.cli("start", "chaos", "-p", "mode=ok", "-p", "seconds=0.5", "--memory-limit", "64M", "--wait")
        #expect(small.status == 0, "a fresh worker under 64 MB: \(small.stdout)")
        #expect(refused.status == 1 && refused.stderr.contains("process isolation only"), "\(refused.stderr)")
    }

    @Test("a spinning task is frozen by pause (its CPU time stops), thawed by resume, ended by stop and by --timeout")
    func spinControls() throws {
        let daemon = try DaemonFixture(plugins: ["Chaos"])
        let spin = id(try daemon.cli("start", "chaos", "-p", "mode=spin", "-p", "seconds=120", "--isolation", "process"))
        var pid: Int32?
        try eventually {
            pid = try detail(daemon, spin).task.pid
            return pid != nil
        }
        let worker = try #require(pid, "no worker pid in show --json")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try daemon.cli("pause", spin).status == 0)
        #expect(try eventually { try detail(daemon, spin).task.status == .paused })
        #expect(try detail(daemon, spin).task.pausedAt == "frozen")
        let before = cpuTicks(worker)
        Thread.sleep(forTimeInterval: 1)
        #expect(before != nil && cpuTicks(worker) == before, "CPU time grew while frozen: \(String(describing: before)) → \(String(describing: cpuTicks(worker)))")
        #expect(try daemon.cli("resume", spin).status == 0)
        Thread.sleep(forTimeInterval: 1)
        #expect((cpuTicks(worker) ?? 0) > (before ?? 0), "CPU time did not grow after resume")
        #expect(try daemon.cli("stop", spin).status == 0)
        #expect(try daemon.cli("wait", spin).status == 1)
        #expect(try detail(daemon, spin).task.status == .stopped)

        let started = Date()
        let timed = try daemon.cli("start", "chaos", "-p", "mode=spin", "--isolation", "process", "--timeout", "2s", "--wait")
        #expect(timed.status == 1 && timed.stdout.contains("timed out after 2 s"), "\(timed.stdout)")
        #expect(Date().timeIntervalSince(started) < 8)
    }

    @Test("kill -9 of the host leaves no worker alive; the task reads interrupted after the restart")
    func noOrphans() throws {
        let daemon = try DaemonFixture(plugins: ["Chaos"])
        let hang = id(try daemon.cli("start", "chaos", "-p", "mode=hang", "--isolation", "process"))
        var pid: Int32?
        try eventually {
            pid = try detail(daemon, hang).task.pid
            return pid != nil
        }
        let worker = try #require(pid)
        daemon.signal(SIGKILL)
        #expect(eventually { isGone(worker) }, "worker \(worker) outlived the host")
        let restarted = try daemon.restarted()
        #expect(try detail(restarted, hang).task.status == .interrupted)
    }

    @Test("--cpu-limit fails a spinning worker naming the CPU limit (SIGXCPU reaches it)")
    func cpuLimit() throws {
        let daemon = try DaemonFixture(plugins: ["Chaos"])
        let started = Date()
        let result = try daemon.cli("start", "chaos", "-p", "mode=spin", "-p", "seconds=60", "--cpu-limit", "1s", "--wait")
        #expect(result.status == 1)
        #expect(result.stdout.contains("exceeded CPU limit 1 s"), "\(result.stdout)")
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test("stderr files left by the workers of a host killed with SIGKILL are removed by the next host using workers")
    func leftoverErrorFiles() throws {
        let gone = try runCommand("/bin/true", [])
        #expect(gone.status == 0)
        // A pid that just ended: no host runs under it.
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let leftover = FileManager.default.temporaryDirectory
            .appendingPathComponent("taskhost-worker-\(finished.processIdentifier)-12345.err")
        try "old crash".write(to: leftover, atomically: true, encoding: .utf8)
        let daemon = try DaemonFixture(plugins: ["Chaos"])
        #expect(try daemon.cli("start", "chaos", "-p", "mode=ok", "-p", "seconds=0.2", "--wait").status == 0)
        #expect(!FileManager.default.fileExists(atPath: leftover.path), "\(leftover.path) was left")
    }
}
