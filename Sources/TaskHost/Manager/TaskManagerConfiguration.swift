/// How a `TaskManager` runs tasks.
public struct TaskManagerConfiguration: Sendable {
    /// At most this many tasks run at once (paused tasks do not count).
    public var maxRunning: Int
    /// The actor recorded in the audit log for actions the host takes itself.
    public var hostActor: String
    /// Size limits on results, parameters, tags and log lines.
    public var limits: TaskLimits
    /// Where a task runs unless it asks otherwise.
    public var defaultIsolation: TaskIsolation
    /// The `taskhost` binary, whose hidden `worker` command runs process-isolated attempts
    /// (nil: process isolation is refused with the reason).
    public var workerExecutable: String?

    /// Creates a configuration; by default 4 tasks run at once.
    public init(
        maxRunning: Int = 4, hostActor: String = "host", limits: TaskLimits = TaskLimits(),
        defaultIsolation: TaskIsolation = .thread, workerExecutable: String? = nil
    ) {
        self.defaultIsolation = defaultIsolation
        self.workerExecutable = workerExecutable
        self.maxRunning = max(1, maxRunning)
        self.hostActor = hostActor
        self.limits = limits
    }
}
