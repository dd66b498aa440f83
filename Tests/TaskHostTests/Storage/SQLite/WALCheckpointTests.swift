import Foundation
import Logging
@testable import TaskHost
import Testing

@Suite("WAL checkpoints run off the commit path")
struct WALCheckpointTests {
    /// A started manager over a store with `checkpointPages`, in a home with the Sleep plugin.
    func startedManager(checkpointPages: Int) throws -> (files: LoaderFixture, path: String, store: TaskStore, manager: TaskManager) {
        let files = try LoaderFixture()
        try files.add("Sleep")
        files.loader.scan()
        let path = files.home.appendingPathComponent("taskhost.db").path
        let store = try TaskStore(path: path, checkpointPages: checkpointPages)
        var logger = Logger(label: "test.checkpoint")
        logger.logLevel = .critical
        let manager = TaskManager(store: store, registry: files.registry, logger: logger)
        try manager.start()
        return (files, path, store, manager)
    }

    @Test("thousands of commits: the checkpoint thread keeps the WAL bounded and every task is in the database")
    func checkpointThreadBoundsTheWAL() throws {
        // The writer's automatic checkpoint is replaced by the hook: without the checkpoint thread
        // the WAL would hold every frame of these commits (several pages each, tens of MB); with it,
        // at most 4 x 64 pages (~1 MiB) before the writer checkpoints inline.
        let (files, path, _, manager) = try startedManager(checkpointPages: 64)
        defer { withExtendedLifetime(files) {} }  // its home holds the database
        let submits = 3000
        var largestWAL = 0
        for index in 0..<submits {
            _ = try manager.submit(type: "sleep", parameters: [:], options: SubmitOptions(delaySeconds: 86_400), actor: "test")
            if index % 100 == 0 { largestWAL = max(largestWAL, Self.size(of: path + "-wal")) }
        }
        manager.shutdown(grace: .seconds(2))

        #expect(largestWAL > 0, "the database is not in WAL mode")
        #expect(largestWAL < 4 << 20, "WAL grew to \(largestWAL) bytes: checkpoints are not running")
        let reopened = try TaskStore(readOnlyPath: path)
        #expect(try reopened.countsByStatus()[.pending] == submits)
    }

    @Test("at a light steady load the WAL starts over after the background passes, almost never reaching the inline checkpoint")
    func lightLoadRestartsTheWAL() throws {
        // Threshold 500 pages: a pass copies ~2 MB and syncs it; the writer checkpoints inline
        // past 2,000. The ~7,800 pages written here reach that three times if the WAL never
        // starts over after a background pass (it then starts over only after each inline one).
        let (files, path, store, manager) = try startedManager(checkpointPages: 500)
        defer { withExtendedLifetime(files) {} }  // its home holds the database
        let checkpointer = try #require(store.writerBox?.checkpointer)
        // ~6.5 pages a commit, one every ~4 ms: commits land while a pass copies and syncs, so it
        // ends with a tail left; only the tail passes let the WAL be all copied and start over.
        var largestWAL = 0
        for _ in 0..<1200 {
            _ = try manager.submit(type: "sleep", parameters: [:], options: SubmitOptions(delaySeconds: 86_400), actor: "test")
            largestWAL = max(largestWAL, Self.size(of: path + "-wal"))
            Thread.sleep(forTimeInterval: 0.004)
        }
        let inline = checkpointer.inlineCount
        manager.shutdown(grace: .seconds(2))
        let frames = largestWAL / (4096 + 24)
        #expect(frames > 500, "the WAL never reached the threshold: the test did not load it")
        // One is allowed: with the whole suite's syncs slowing this disk, every one of the 27 passes
        // between two inline limits can meet a commit (it did, 1 run in 3, when this asked for none).
        #expect(inline <= 1, "the WAL grew to \(frames) frames and the writer checkpointed inline \(inline) times: it never started over after a pass")
    }

    @Test("no pass after pass when nothing more can be copied: after a truncate, or while a reader holds an old snapshot")
    func noTailChaseWithoutProgress() throws {
        let scratch = try TemporaryDirectory("tail")
        let path = scratch.url.appendingPathComponent("taskhost.db").path
        let store = try TaskStore(path: path, checkpointPages: 16)
        defer { store.close() }
        let checkpointer = try #require(store.writerBox?.checkpointer)
        func writeRows(_ count: Int) throws {
            for index in 0..<count {
                try store.write { connection in
                    try connection.run("INSERT INTO heartbeat (id, at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at", [
                        .integer(Int64(index % 50)), .real(Double(index)),
                    ])
                }
            }
        }
        // A reader holding its snapshot: frames after it cannot be copied until it ends.
        let reader = try SQLiteConnection(path: path, create: false)
        try reader.execute("BEGIN")
        _ = try reader.integer("SELECT count(*) FROM heartbeat")
        let writing = ContinuousClock.now
        try writeRows(200)
        // Past the inline limit (64 pages) the writer's checkpoint waits for that reader only
        // briefly: with the store's 5 s busy timeout these writes took ~50 s.
        #expect(ContinuousClock.now - writing < .seconds(3), "commits waited for a reader's snapshot")
        Thread.sleep(forTimeInterval: 0.1)
        let pinned = checkpointer.passCount
        Thread.sleep(forTimeInterval: 0.2)
        #expect(checkpointer.passCount - pinned <= 1, "passes kept running every 10 ms while a reader held the WAL")
        try reader.execute("COMMIT")

        try writeRows(200)
        Thread.sleep(forTimeInterval: 0.1)
        checkpointer.truncate()
        let truncated = checkpointer.passCount
        Thread.sleep(forTimeInterval: 0.2)
        #expect(checkpointer.passCount - truncated <= 1, "passes kept running every 10 ms after a truncate")
    }

    static func size(of file: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0
    }
}
