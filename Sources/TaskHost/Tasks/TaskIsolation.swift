/// Where a task's attempts run.
public enum TaskIsolation: String, Sendable, Codable, CaseIterable {
    /// On a thread of the host (the default): cheapest; pause and stop are cooperative, at checkpoints.
    case thread
    /// In a supervised worker process: a crash, a leak or a hang costs only the task; pause freezes
    /// code that never checkpoints; memory and CPU limits apply.
    case process
}
