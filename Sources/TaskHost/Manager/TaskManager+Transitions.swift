import Synchronization

extension TaskManager {
    /// Checks a transition the host made itself against the one table: one it does not allow is
    /// logged and counted, never trapped on (a host that misjudged one task must keep the rest).
    func checkTransition(_ taskID: String, from status: TaskStatus, on event: LifecycleEvent, to reached: TaskStatus) {
        guard TaskTransitions.move(from: status, on: event) != .to(reached) else { return }
        countViolation(taskID, from: status, on: event, to: reached)
    }

    /// Checks what a user's control did against the table: a request keeps the status, a move reaches its status.
    func checkControl(_ taskID: String, _ action: TaskAction, from status: TaskStatus, to reached: TaskStatus) {
        let event = LifecycleEvent(action)
        let allowed: Bool =
            switch TaskTransitions.move(from: status, on: event) {
            case .requested?: reached == status
            case .requestedOrTo(let target)?: reached == status || reached == target
            case .to(let target)?: reached == target
            case .removed?, nil: false
            }
        guard !allowed else { return }
        countViolation(taskID, from: status, on: event, to: reached)
    }

    private func countViolation(_ taskID: String, from status: TaskStatus, on event: LifecycleEvent, to reached: TaskStatus) {
        lifecycleViolations.add(1, ordering: .relaxed)
        lifecycleViolationSamples.withLock { if $0.count < 20 { $0.append("\(status.rawValue) --\(event.rawValue)--> \(reached.rawValue)") } }
        logger.error(
            "a transition the lifecycle table does not allow",
            metadata: ["task": "\(taskID)", "from": "\(status.rawValue)", "event": "\(event.rawValue)", "to": "\(reached.rawValue)"])
    }
}
