import CSQLite
import Foundation

/// Runs WAL checkpoints on a thread and connection of its own.
///
/// SQLite's automatic checkpoint runs inside whichever commit pushes the WAL over its limit, so
/// about one submit in a hundred paid for a checkpoint's fsyncs (milliseconds) in its reply. A
/// passive checkpoint on another connection never blocks the writer, so commits stay short.
///
/// A WAL is only reused once a checkpoint has copied all of it, which a background checkpoint
/// never manages while writes keep arriving; so past `hardLimitPages` (a sustained burst) the
/// writer checkpoints inline, as SQLite would, but four times less often and mostly with the
/// copying already done. An inline checkpoint costs the commit that runs it a flush of the disk
/// (~13-15 ms here; W1 pays 20 of them per 10,000 tasks, ~0.29 s). Sixteen times cut that to 5,
/// but a host killed mid-burst then reopens a WAL of up to 64 MiB, which SQLite reads whole
/// before the first query (~1.3 ms per MB here: W3's restart went 0.061 -> 0.084 s).
///
/// Under a light steady load a pass rarely ends with the WAL all copied either (a commit lands
/// during its fsync), and a WAL that never restarts grows into new file pages, which cost a write
/// twice what rewriting cached ones does (7 vs 3.5 µs a frame here). So when the WAL grew only a
/// little during and after a pass, the few frames left are copied `tailDelay` later, until a pass
/// ends with all of it copied and the next transaction starts the WAL over.
final class WALCheckpointer: @unchecked Sendable {
    // `walPages`, `checkpointing` and `stopping` are only touched with `condition` locked;
    // `connection` only by the checkpoint thread.
    private let condition = NSCondition()
    private var walPages = 0
    /// WAL size when the last checkpoint started: the next one waits for `thresholdPages` more,
    /// so a WAL a burst keeps from restarting is not checkpointed (and fsynced) after every commit.
    private var checkpointedAt = 0
    /// A checkpoint runs (background or inline): SQLite refuses a second one at the same time.
    private var checkpointing = false
    /// The last pass left frames behind: copy them once the WAL has been quiet for `tailDelay`.
    private var tailLeft = false
    /// Frames copied as of the last pass: a pass that copied nothing more (a reader holds the
    /// rest) leaves no tail to chase.
    private var lastCopied = 0
    /// Tail passes left before the next threshold: each ends in a sync.
    private var tailBudget = 0
    private var passes = 0
    private var inlinePasses = 0
    private var stopping = false
    private let stopped = DispatchSemaphore(value: 0)
    private let connection: SQLiteConnection
    /// WAL size, in pages, that triggers a checkpoint (SQLite's own default is 1,000).
    let thresholdPages: Int
    /// WAL size, in pages, past which the writer checkpoints inline.
    var hardLimitPages: Int { thresholdPages * 4 }
    /// How long an inline checkpoint waits for readers of older snapshots.
    static let inlineReaderWaitMilliseconds = 20
    /// How long after a pass that left frames behind the next one copies them.
    let tailDelay: TimeInterval = 0.01
    /// A WAL that grew by more than this since the last pass is busy: its tail waits for the threshold.
    var quietPages: Int { max(thresholdPages / 8, 64) }
    /// Tail passes after one at the threshold (W2 needed up to five before a pass found no new commit).
    let maxTailPasses = 8

    /// How many background passes have run (for tests).
    var passCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return passes
    }

    /// How many times the writer checkpointed inline (for tests).
    var inlineCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return inlinePasses
    }

    /// Opens a checkpoint connection to `path` and starts the checkpoint thread.
    init(path: String, durability: StoreDurability, thresholdPages: Int = 1000) throws(SQLiteError) {
        connection = try SQLiteConnection(path: path, create: false)
        try connection.execute("PRAGMA busy_timeout = \(StoreOpener.busyTimeoutMilliseconds); PRAGMA synchronous = \(durability.synchronousPragma)")
        self.thresholdPages = thresholdPages
        let thread = Thread { [self] in checkpointLoop() }
        thread.name = "taskhost-store-checkpoint"
        thread.start()
    }

    /// Takes over checkpointing for `writer`: its automatic checkpoint is replaced by a hook that
    /// wakes this thread once the WAL has grown past `thresholdPages`.
    func attach(to writer: SQLiteConnection) {
        writer.setWALHook(owner: self) { context, database, _, pages in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue()
            if checkpointer.walGrew(to: Int(pages)), let database {
                // Between transactions on the writer's own connection, as SQLite's automatic checkpoint
                // does. FULL waits for a background checkpoint in progress, then copies the rest: no
                // frame can arrive meanwhile, so the next transaction starts the WAL over.
                // It waits for readers of older snapshots only briefly: with the store's 5 s busy
                // timeout, one long read held every commit past the limit for 5 s each. Cut short,
                // it copies what it can, and the next try is a threshold later.
                sqlite3_busy_timeout(database, Int32(WALCheckpointer.inlineReaderWaitMilliseconds))
                _ = sqlite3_wal_checkpoint_v2(database, nil, SQLITE_CHECKPOINT_FULL, nil, nil)
                sqlite3_busy_timeout(database, Int32(StoreOpener.busyTimeoutMilliseconds))
                checkpointer.inlineCheckpointEnded()
            }
            return SQLITE_OK
        }
    }

    /// After a large delete: copies the whole WAL into the database and truncates the WAL file,
    /// giving its space back (waits for readers, and briefly for the writer, up to the busy timeout).
    func truncate() {
        condition.lock()
        while checkpointing { condition.wait() }
        checkpointing = true
        condition.unlock()
        // It holds the write lock while it waits for readers: wait briefly, or leave it for next time.
        sqlite3_busy_timeout(connection.handle, 200)
        _ = sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
        sqlite3_busy_timeout(connection.handle, 5000)
        condition.lock()
        checkpointing = false
        checkpointedAt = 0
        // The WAL is empty now, whatever the hook last said: no threshold is near, no tail left.
        walPages = 0
        tailLeft = false
        lastCopied = 0
        condition.broadcast()
        condition.unlock()
    }

    /// Ends the checkpoint thread after a last checkpoint.
    func close() {
        condition.lock()
        let already = stopping
        stopping = true
        condition.broadcast()
        condition.unlock()
        if !already { stopped.wait() }
    }

    /// Notes the WAL size after a commit; returns whether the writer must checkpoint inline (then
    /// a background checkpoint in progress has ended, and none starts until `inlineCheckpointEnded`).
    private func walGrew(to pages: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if pages < checkpointedAt { checkpointedAt = 0 }  // the WAL started over
        walPages = pages
        guard pages >= checkpointedAt + thresholdPages else { return false }
        guard pages >= hardLimitPages else {
            condition.broadcast()
            return false
        }
        while checkpointing { condition.wait() }
        checkpointing = true
        checkpointedAt = pages
        return true
    }

    private func inlineCheckpointEnded() {
        condition.lock()
        inlinePasses += 1
        checkpointing = false
        condition.broadcast()
        condition.unlock()
    }

    private func checkpointLoop() {
        condition.lock()
        while true {
            waitForPassLocked()
            let isTail = !stopping && walPages < checkpointedAt + thresholdPages
            tailBudget = isTail ? tailBudget - 1 : maxTailPasses
            checkpointedAt = walPages
            checkpointing = true
            passes += 1
            let last = stopping
            condition.unlock()
            let copied = checkpoint()
            condition.lock()
            checkpointing = false
            // Against the WAL as it is now: commits that landed during the pass are its tail.
            // Chased only while passes make progress, and a few times per threshold.
            if let copied {
                tailLeft = copied < walPages && copied != lastCopied && tailBudget > 0
                lastCopied = copied
            } else {
                tailLeft = false
            }
            condition.broadcast()
            if last { break }
        }
        condition.unlock()
        stopped.signal()
    }

    /// Returns (with `condition` locked) once a pass is due: the WAL passed the threshold, the
    /// checkpointer is stopping, or a pass left a tail and the WAL stayed quiet for `tailDelay`.
    private func waitForPassLocked() {
        while true {
            if checkpointing {
                condition.wait()
                continue
            }
            if stopping || walPages >= checkpointedAt + thresholdPages { return }
            guard tailLeft else {
                condition.wait()
                continue
            }
            if condition.wait(until: Date(timeIntervalSinceNow: tailDelay)) { continue }
            if checkpointing || walPages >= checkpointedAt + thresholdPages { continue }
            if walPages - checkpointedAt <= quietPages { return }
            tailLeft = false  // busy: the threshold brings the next pass
        }
    }

    /// One passive pass; returns how many frames of the WAL are copied, nil if it failed.
    private func checkpoint() -> Int? {
        var walFrames: Int32 = 0
        var copied: Int32 = 0
        // PASSIVE: copy what no reader still needs; never wait for, or block, the writer. A busy
        // or failed checkpoint is retried at the next threshold; the WAL stays correct meanwhile.
        let status = sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &walFrames, &copied)
        return status == SQLITE_OK ? Int(copied) : nil
    }
}
