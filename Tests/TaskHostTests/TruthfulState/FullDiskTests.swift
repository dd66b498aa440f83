import Foundation
import TaskHost
import Testing

/// A real small tmpfs, filled to the last byte while a host runs on it.
enum SmallFilesystem {
    /// True when this process may mount a tmpfs (root in CI); otherwise the test is skipped, saying so.
    static let canMount: Bool = {
        guard let scratch = try? TemporaryDirectory("mount-check") else { return false }
        let mounted = (try? runCommand("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", scratch.url.path]))?.status == 0
        if mounted { _ = try? runCommand("/bin/umount", [scratch.url.path]) }
        return mounted
    }()

    /// Mounts an 8 MB tmpfs on a fresh directory; unmounted when the value is released.
    final class Mount: @unchecked Sendable {
        let directory: TemporaryDirectory
        var url: URL { directory.url }

        init(megabytes: Int = 8) throws {
            directory = try TemporaryDirectory("full-disk")
            let result = try runCommand("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", directory.url.path])
            guard result.status == 0 else { throw FixtureError("mount -t tmpfs failed: \(result.stderr)") }
        }

        /// Writes zeros until the file system is full.
        func fill() throws {
            _ = try runCommand("/bin/dd", ["if=/dev/zero", "of=\(url.path)/filler", "bs=64k"])
        }

        func free() throws { try FileManager.default.removeItem(at: url.appendingPathComponent("filler")) }

        deinit { _ = try? runCommand("/bin/umount", ["-l", directory.url.path]) }
    }
}

@Suite("One truthful state: a full disk")
struct FullDiskTests {
    @Test(
        "on a full disk: controls are refused and change nothing, health says degraded, an outcome is kept and written once space returns",
        .enabled(if: SmallFilesystem.canMount, "skipped: `mount -t tmpfs` is refused here (it needs root, as in CI)"))
    func fullDisk() throws {
        let disk = try SmallFilesystem.Mount()
        let daemon = try DaemonFixture(plugins: ["Sleep", "TestTasksFixture"], home: disk.url.appendingPathComponent("home"))
        let nap = try daemon.cli("start", "sleep", "-p", "seconds=60").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let busy = try daemon.cli("start", "no-checkpoint", "-p", "ms=3000").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(nap.count == 32 && busy.count == 32)
        Thread.sleep(forTimeInterval: 0.5)
        try disk.fill()

        // A control is refused, with the reason, and nothing changes in memory either.
        let pause = try daemon.cli("pause", nap)
        #expect(pause.status == 1, "\(pause.stdout)")
        #expect(pause.stderr.contains("nothing was recorded"), "\(pause.stderr)")
        Thread.sleep(forTimeInterval: 0.5)
        let napShow = try detail(daemon, nap)
        #expect(napShow.task.status == .running && !napShow.task.pauseRequested, "\(napShow.task)")
        let submit = try daemon.cli("start", "sleep")
        #expect(submit.status == 1 && submit.stderr.contains("full"), "\(submit.stderr)")

        // Health says degraded, with the OS's reason, the path and the free bytes.
        let health = try daemon.cli("health")
        #expect(health.status == 1)
        #expect(health.stdout.contains("degraded: database not writable: No space left on device ("), "\(health.stdout)")
        #expect(health.stdout.contains("taskhost.db, 0 bytes free)"), "\(health.stdout)")

        // The task that finishes meanwhile is shown as ended, not yet recorded.
        Thread.sleep(forTimeInterval: 3)
        let ended = try detail(daemon, busy)
        #expect(ended.task.status == .finished, "\(ended.task)")
        #expect(ended.task.notice?.contains("not yet recorded in the database") == true, "\(ended.task.notice ?? "")")

        // Space returns: the host catches up by itself.
        try disk.free()
        #expect(try eventually(within: 10, every: 0.1) { try daemon.cli("health").status == 0 })
        Thread.sleep(forTimeInterval: 1.5)
        let recorded = try detail(daemon, busy)
        #expect(recorded.task.status == .finished && recorded.task.notice == nil, "\(recorded.task)")
        #expect(try daemon.cli("pause", nap).status == 0)
        // A running task pauses at its next checkpoint: wait for that before the kill below.
        #expect(try eventually { try detail(daemon, nap).task.status == .paused })
        // No audit row for the refused pause; one for the accepted one.
        let audit = try daemon.cli("audit", "--json").stdout
        #expect(audit.components(separatedBy: "\"pause\"").count - 1 == 1, "\(audit)")

        // And it is durable: a SIGKILL now loses nothing.
        daemon.signal(SIGKILL)
        let restarted = try daemon.restarted()
        #expect(try detail(restarted, busy).task.status == .finished)
        #expect(try detail(restarted, nap).task.status == .paused)
    }

    private func detail(_ daemon: DaemonFixture, _ id: String) throws -> TaskDetail {
        let show = try daemon.cli("show", id, "--json")
        try #require(show.status == 0, "show: \(show.stderr)")
        return try APICoding.decoder.decode(TaskDetail.self, from: Data(show.stdout.utf8))
    }
}
