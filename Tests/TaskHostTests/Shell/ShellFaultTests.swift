import Foundation
import TaskHost
import Testing

/// Shell tasks when things go wrong around them: killed while paused, stopped while frozen, a host
/// shutdown, retries, leaked descriptors, background children.
@Suite("Shell-command tasks: faults")
struct ShellFaultTests {
    @Test("a command killed from outside while paused ends its task (not left paused), with the signal named")
    func killedWhilePaused() throws {
        let daemon = try DaemonFixture(plugins: [])
        let id = try daemon.exec(["--", "sleep", "300.5"])
        #expect(try eventually { try daemon.detail(id).task.pid != nil })
        #expect(try daemon.cli("pause", id).status == 0)
        let pid = try #require(try daemon.detail(id).task.pid)
        #expect(Processes.state(pid) == "T")
        kill(pid, SIGKILL)
        #expect(try eventually { try daemon.detail(id).task.status == .failed })
        let task = try daemon.detail(id).task
        #expect(task.signal == 9 && task.error?.message == "killed by signal 9 (SIGKILL)", "\(String(describing: task.error))")
        #expect(eventually { Processes.matching("sleep 300.5").isEmpty })
    }

    @Test("stop of a frozen command with --grace 0 kills it before it runs again: no more output")
    func stopWhileFrozen() throws {
        let daemon = try DaemonFixture(plugins: [])
        let marker = "frozen-\(UInt32.random(in: 0...UInt32.max))"
        let id = try daemon.exec(["--grace", "0s", "--", "sh", "-c", "while true; do echo \(marker); sleep 0.01; done"])
        #expect(try eventually { try daemon.logEntries(id).count >= 5 })
        #expect(try daemon.cli("pause", id).status == 0)
        let frozen = try daemon.logEntries(id).count
        #expect(try daemon.cli("stop", id).status == 0)
        #expect(try eventually { try daemon.detail(id).task.status == .stopped })
        #expect(try daemon.logEntries(id).count == frozen, "the frozen loop printed after the stop")
        #expect(try daemon.detail(id).task.signal == 9)
        #expect(eventually { Processes.matching(marker).isEmpty })
    }

    @Test("a host shutdown interrupts running and paused commands (one ignoring SIGTERM); none runs again after a restart")
    func shutdownInterrupts() throws {
        let daemon = try DaemonFixture(plugins: [])
        let marker = "\(UInt16.random(in: 1000...9999))"
        let stubborn = try daemon.exec(["--retries", "1", "--", "sh", "-c", "trap '' TERM; sleep 400.\(marker) & wait; sleep 401.\(marker)"])
        let plain = try daemon.exec(["--retries", "1", "--", "sleep", "402.\(marker)"])
        let paused = try daemon.exec(["--retries", "1", "--", "sleep", "403.\(marker)"])
        #expect(eventually { Processes.matching(".\(marker)").count >= 4 })
        #expect(try daemon.cli("pause", paused).status == 0)
        let took = daemon.signal(SIGTERM)
        #expect(took < 9, "the host waited \(took) s")
        #expect(eventually { Processes.matching(".\(marker)").isEmpty }, "left: \(Processes.matching(".\(marker)"))")
        let restarted = try daemon.restarted()
        for id in [stubborn, plain, paused] {
            let task = try restarted.detail(id).task
            #expect(task.status == .interrupted && task.attempt == 1, "\(id): \(task.status) attempt \(task.attempt)")
        }
        #expect(!restarted.banner.contains("suspected"))
    }

    @Test("a retry clears the last attempt's exit: killed first, exit 0 next → exitCode 0, no signal")
    func retryClearsExit() throws {
        let daemon = try DaemonFixture(plugins: [])
        let folder = daemon.files.temporary.url.path
        let id = try daemon.exec([
            "--retries", "1", "--cwd", folder, "--", "sh", "-c", "test -f marker && exit 0; touch marker; kill -9 $$",
        ])
        #expect(try daemon.cli("wait", id).status == 0)
        let task = try daemon.detail(id).task
        #expect(task.attempt == 2 && task.exitCode == 0 && task.signal == nil, "\(task.attempt) \(String(describing: task.exitCode)) \(String(describing: task.signal))")
    }

    @Test("the command inherits no descriptor of the host (database, sockets, other tasks' pipes)")
    func noDescriptorLeak() throws {
        let daemon = try DaemonFixture(plugins: [])
        let listing = try daemon.cli("exec", "--wait", "--", "ls", "/proc/self/fd")
        #expect(listing.status == 0, "\(listing.stderr)")
        let descriptors = Set(listing.stdout.split(separator: "\n").compactMap { Int($0) })
        #expect(descriptors.isSubset(of: [0, 1, 2, 3]), "leaked: \(descriptors.subtracting([0, 1, 2, 3]).sorted())")
    }

    @Test("a background child holding the output open does not hold the task; it is killed with the group")
    func backgroundChild() throws {
        let daemon = try DaemonFixture(plugins: [])
        let marker = "404.\(UInt16.random(in: 1000...9999))"
        let started = Date()
        let waited = try daemon.cli("exec", "--wait", "--", "sh", "-c", "sleep \(marker) & echo started")
        #expect(waited.status == 0 && waited.stdout.contains("started"))
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(eventually { Processes.matching("sleep \(marker)").isEmpty })
    }
}
