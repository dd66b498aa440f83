/// What a process-isolated attempt needs beyond a thread one: the worker's limits.
struct WorkerPlan: Sendable {
    let memoryLimitBytes: Int?
    let cpuLimitSeconds: Int?
}
