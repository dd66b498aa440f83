import Foundation
import Logging
import Synchronization
import TaskKit

/// Runs tasks: each on its own thread, within the global and per-type limits, in priority
/// order, with delays, retries, timeouts and cooperative pause/stop; every acknowledged
/// action is committed to the store before it returns.
///
/// Thread-safety: all scheduling state lives behind one lock (`lock`); store writes are queued
/// while it is held (so they land in decision order) and waited for after it is released.
public final class TaskManager: @unchecked Sendable {
    /// Where tasks live: the manager alone writes; front ends read through `store`.
    let storage: any TaskStorage
    /// The storage's reads, for front ends (writes go through the manager's methods).
    public var store: any TaskReading { storage }
    /// Where task types come from.
    public let registry: TaskTypeRegistry
    /// Limits and defaults.
    public let configuration: TaskManagerConfiguration
    let logger: Logger
    let events = EventHub()
    let lock = NSCondition()
    // Invariant: only touched with `lock` held.
    var state = SchedulerState()
    let schedulerDone = DispatchSemaphore(value: 0)
    let threads: TaskThreadPool
    private(set) var recovery: RecoveryReport?
    // What `task(id)` adds to a row without taking `lock` (a read never waits for a commit held under it).
    let unwrittenStatuses = Mutex<[String: TaskStatus]>([:])
    let controls = Mutex<[String: RunControl]>([:])
    let committedOutcomes = CommittedOutcomes()
    /// Host transitions the table does not allow (each logged); a correct host keeps it at 0.
    let lifecycleViolations = Atomic<Int>(0)
    /// The first few of them, "from --event--> to", for a test's failure message.
    let lifecycleViolationSamples = Mutex<[String]>([])
    private let pool = Mutex<WorkerPool?>(nil)
    private let runner = Mutex<ScheduleRunner?>(nil)

    /// Fires schedules (made by `start()`).
    var scheduleRunner: ScheduleRunner? { runner.withLock { $0 } }

    /// The warm pool of worker processes, made on first use (two idle workers).
    func workerPool(_ executable: String) -> WorkerPool {
        pool.withLock { pool in
            if let pool { return pool }
            let made = WorkerPool(executable: executable, size: 2)
            pool = made
            return made
        }
    }
    private var schedulerStarted = false

    /// Creates a manager over an open store and a registry; call `start()` to recover and run.
    public convenience init(store: TaskStore, registry: TaskTypeRegistry, configuration: TaskManagerConfiguration = .init(), logger: Logger) {
        self.init(storage: store, registry: registry, configuration: configuration, logger: logger)
    }

    /// Creates a manager over any storage backend.
    init(storage: any TaskStorage, registry: TaskTypeRegistry, configuration: TaskManagerConfiguration = .init(), logger: Logger) {
        self.storage = storage
        self.registry = registry
        self.configuration = configuration
        self.logger = logger
        threads = TaskThreadPool(maxIdle: configuration.maxRunning)
    }

    /// Restores what the store holds (see `RecoveryReport`) and starts the scheduler thread.
    @discardableResult
    public func start() throws(TaskHostError) -> RecoveryReport {
        var report = try storage.recoverAfterCrash(.host)
        let now = Date().timeIntervalSince1970
        let tasks = try failInvalidRows(storage.loadSchedulable(), now: now)
        // Read before anything starts: a failure here must leave nothing half-started.
        let storedSchedules = saneSchedules(try storage.schedules(), now: Date(timeIntervalSince1970: now))
        report.catchUps = Self.catchUps(storedSchedules, now: Date(timeIntervalSince1970: now))
        lock.lock()
        for row in tasks {
            let task = LiveTask(row)
            state.live[row.id] = task
            if row.status == .pending { state.enqueue(task, now: now) }
        }
        recovery = report
        schedulerStarted = true
        lock.unlock()
        registry.onChange { [weak self] in self?.pluginsChanged() }
        let schedules = ScheduleRunner { [weak self] due, now in self?.fireSchedules(due, now: now) ?? [] }
        events.observe { [weak schedules] event in
            if case .status(let id, let status, _) = event, status.isTerminal { schedules?.taskEnded(id) }
        }
        runner.withLock { $0 = schedules }
        schedules.start(storedSchedules)
        let thread = Thread { [self] in schedulerLoop() }
        thread.name = "taskhost-scheduler"
        thread.start()
        logger.info(
            "task manager started",
            metadata: [
                "interrupted": "\(report.interrupted)", "requeued": "\(report.requeued)", "paused": "\(report.paused)",
                "pending": "\(report.pending)",
            ])
        return report
    }

    /// Stops taking work, asks running tasks to unwind at their next checkpoint (they go back
    /// to pending and continue from their saved state on the next start), waits up to `grace`,
    /// records what is still running as interrupted, ends event streams and closes the storage.
    public func shutdown(grace: Duration = .seconds(10)) {
        scheduleRunner?.stop()
        lock.lock()
        guard state.acceptingWork else {
            lock.unlock()
            return
        }
        state.acceptingWork = false
        for task in state.withThread.values {
            state.requestStop(task, .shutdown)
        }
        lock.broadcast()
        let deadline = Date().timeIntervalSince1970 + TimeBounds.clampedDuration(grace.seconds)
        while !state.withThread.isEmpty {
            let now = Date().timeIntervalSince1970
            if now >= deadline { break }
            _ = lock.wait(until: TimeBounds.waitDeadline(deadline, now: now))
        }
        // Starts in flight are settled first (a few ms): a straggler is what the row says runs.
        for task in Array(state.withThread.values) { awaitStart(task) }
        // A frozen command is a straggler too: it dies with the host and must not read as a host death.
        let stragglers = state.withThread.values.filter { $0.status == .running || ($0.isCommand && $0.status == .paused) }
        let now = Date().timeIntervalSince1970
        let interrupts = stragglers.compactMap { task in
            try? plan(task, on: .interrupt) { _, update in
                update.set(.finishedAt(now))
                update.set(.error(TaskFailure(message: "interrupted: still running when the host's shutdown grace period ended", type: "Interrupted", attempt: task.attempt)))
                update.attemptEnded = (task.attempt, now, "interrupted", "shutdown grace period ended")
                return {}
            }
        }
        // Late outcomes of these attempts are discarded from here on.
        state.stopped = true
        for error in commit(interrupts).compactMap({ $0 }) {
            logger.error("could not record a task still running at the shutdown deadline; it will read as interrupted by a host death", metadata: ["error": "\(error)"])
        }
        let waitForScheduler = schedulerStarted
        lock.broadcast()
        lock.unlock()
        if waitForScheduler { schedulerDone.wait() }
        if !stragglers.isEmpty {
            logger.warning("tasks still running at the shutdown deadline were marked interrupted", metadata: ["count": "\(stragglers.count)"])
        }
        events.finishAll()
        pool.withLock { $0?.close() }
        threads.close()
        storage.close()
    }

    /// A stream of status and progress events from now on (ends at shutdown).
    public func subscribe() -> AsyncStream<TaskEvent> { events.subscribe() }

    /// Calls `handler` on the publishing thread for every event from now on, in order; it must
    /// return quickly and must not call back into the manager.
    public func observeEvents(_ handler: @escaping @Sendable (TaskEvent) -> Void) { events.observe(handler) }

    /// Ends every event stream now (first step of a shutdown: open streams must not hold the process).
    public func endEventStreams() { events.finishAll() }

    /// True once event streams were ended; long-polling readers stop then too.
    public var eventStreamsEnded: Bool { events.isClosed }

    /// The task with this id or unique id prefix.
    /// What memory knows and the row does not yet say is added: an outcome not yet recorded
    /// (the database is not writable), and how long a running attempt has gone without a checkpoint.
    public func task(_ idOrPrefix: String) throws(TaskHostError) -> TaskRecord {
        var record = try storage.record(storage.resolveID(idOrPrefix))
        // Only a write that failed is shown: an outcome a few ms from its commit is not news
        // (the row and the events still say what is durable).
        if let status = unwrittenStatuses.withLock({ $0[record.id] }), let problem = storage.writeProblem {
            record.status = status
            record.notice = "ended \(status.rawValue); not yet recorded in the database (\(problem)); retried every second"
        }
        if let control = controls.withLock({ $0[record.id] }) {
            if record.status == .running { record.secondsSinceCheckpoint = control.secondsSinceCheckpoint }
            if let worker = control.workerState {
                record.pid = worker.pid
                if record.status == .paused { record.pausedAt = worker.frozen ? "frozen" : "checkpoint" }
            }
        }
        return record
    }

    /// Blocks the calling thread until the task reaches a terminal status or `timeout` passes; returns its record.
    public func waitUntilFinished(_ id: String, timeout: Duration) throws(TaskHostError) -> TaskRecord {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        while true {
            let seen = events.currentGeneration
            let record = try storage.record(id)
            if record.status.isTerminal || Date() >= deadline { return record }
            events.waitForChange(after: seen, until: min(deadline, Date().addingTimeInterval(0.5)))
        }
    }

    /// Waits without blocking a thread until the task is terminal; returns its record.
    public func waitUntilFinished(_ id: String) async throws(TaskHostError) -> TaskRecord {
        let stream = events.subscribe()
        var record = try storage.record(id)
        if record.status.isTerminal { return record }
        for await event in stream where event.taskID == id {
            if case .status(_, let status, _) = event, status.isTerminal { break }
            if case .deleted = event { break }
        }
        record = try storage.record(id)
        return record
    }

    private func pluginsChanged() {
        lock.lock()
        state.unblock(type: nil)
        lock.broadcast()
        lock.unlock()
    }
}
