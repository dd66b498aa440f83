import Foundation

/// What a running task uses to check in with the host: pause/stop, progress, logs and saved state.
///
/// The host creates one per attempt. All methods are cheap and safe to call from the task's thread.
public final class TaskContext: Sendable {
    /// The task's id, stable across attempts and restarts.
    public let taskID: String
    /// 1 for the first run, +1 for each retry or restart.
    public let attempt: Int
    /// The validated parameters the task was submitted with.
    public let parameters: TaskParameters
    private let backend: any TaskContextBackend

    /// Creates a context; called by the host (or a test harness), not by task types.
    public init(taskID: String, attempt: Int, parameters: TaskParameters, backend: any TaskContextBackend) {
        self.taskID = taskID
        self.attempt = attempt
        self.parameters = parameters
        self.backend = backend
    }

    /// Blocks while the task is paused and throws `TaskStopped` once a stop was requested.
    public func checkpoint() throws { try backend.checkpoint() }

    /// True once a stop was requested, for tasks that want to wind down on their own.
    public var isStopRequested: Bool { backend.isStopRequested }

    /// Reports progress; `total` nil means unknown. Calls are coalesced by the host, so call freely.
    public func progress(completed: Int64, total: Int64? = nil, message: String? = nil) {
        backend.progress(completed: completed, total: total, message: message)
    }

    /// Appends a line to the task's log.
    public func log(_ level: LogLevel, _ message: String) { backend.log(level, message) }

    /// Stores `state` durably so a later attempt (after a pause, crash or restart) can continue from it.
    public func saveState<State: Encodable>(_ state: State) throws {
        try backend.saveState(JSONEncoder().encode(state))
    }

    /// The state last saved by this task, or nil if none was saved or it no longer decodes as `State`
    /// (the host then logs a warning and records that the attempt started fresh).
    public func savedState<State: Decodable>(as type: State.Type) -> State? {
        guard let data = backend.savedStateData() else { return nil }
        do {
            return try JSONDecoder().decode(State.self, from: data)
        } catch {
            backend.savedStateUndecodable(String(describing: error))
            return nil
        }
    }
}

/// The host's side of a `TaskContext`; plugins never implement it.
public protocol TaskContextBackend: Sendable {
    /// Blocks while paused; throws `TaskStopped` after a stop request.
    func checkpoint() throws
    /// True once a stop was requested.
    var isStopRequested: Bool { get }
    /// Records progress.
    func progress(completed: Int64, total: Int64?, message: String?)
    /// Records a log line.
    func log(_ level: LogLevel, _ message: String)
    /// Stores the task's saved state.
    func saveState(_ data: Data) throws
    /// The task's saved state, if any.
    func savedStateData() -> Data?
    /// The saved state did not decode as the task asked (`reason` is the decoder's message).
    func savedStateUndecodable(_ reason: String)
}

extension TaskContextBackend {
    /// Does nothing: a test harness need not care.
    public func savedStateUndecodable(_ reason: String) {}
}
