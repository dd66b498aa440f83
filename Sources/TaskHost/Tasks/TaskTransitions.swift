/// Everything that moves a task: a user's control, or something the host saw happen.
public enum LifecycleEvent: String, Sendable, CaseIterable {
    /// The user asked to pause.
    case pause
    /// The user asked to resume (or to cancel a pause not yet reached).
    case resume
    /// The user asked to stop.
    case stop
    /// The user asked to run it again from the start.
    case restart
    /// The user asked to delete it.
    case delete
    /// A slot was free: a new attempt starts.
    case launch
    /// A paused attempt (blocked at a checkpoint, or frozen) got its slot back.
    case resumeAttempt
    /// The attempt reached the pause asked for (a checkpoint, or a freeze).
    case reachPause
    /// The attempt returned its result.
    case finish
    /// The attempt failed (an error, a signal, a limit, its timeout) with no retry left.
    case fail
    /// The attempt failed and a retry is due later.
    case retry
    /// The attempt unwound for the user's stop.
    case stopReached
    /// The attempt unwound for a restart: it runs again from the start.
    case restartReached
    /// The attempt was cut off: a shutdown's deadline, a command the shutdown ended, a host death.
    case interrupt
    /// The attempt unwound for a shutdown and continues from its saved state at the next start.
    case suspend
    /// Start-up: it was running when the host died and asked to run again.
    case requeue
    /// Start-up: the stored row is one no submit would accept.
    case invalidAtStart
}

extension LifecycleEvent {
    /// The event a user's control is.
    public init(_ action: TaskAction) {
        switch action {
        case .pause: self = .pause
        case .resume: self = .resume
        case .stop: self = .stop
        case .restart: self = .restart
        case .delete: self = .delete
        }
    }
}

/// Where an event leaves a task.
public enum LifecycleMove: Sendable, Equatable {
    /// It is now in this status.
    case to(TaskStatus)
    /// It keeps its status: the request is recorded and honoured when the attempt gets to it.
    case requested
    /// With an attempt still live (a thread blocked at a checkpoint, a frozen worker) as `requested`;
    /// without one, at once to this status.
    case requestedOrTo(TaskStatus)
    /// It is gone.
    case removed
}

extension LifecycleMove {
    /// The status this move leads to; nil when the status is kept. `withLiveAttempt`: a thread
    /// (blocked at a checkpoint, or a frozen worker's driver) still holds the attempt.
    public func target(withLiveAttempt: Bool) -> TaskStatus? {
        switch self {
        case .to(let status): status
        case .requested, .removed: nil
        case .requestedOrTo(let status): withLiveAttempt ? nil : status
        }
    }
}

/// The one table of every task transition: from-status × event → move. Pure; `nil` means the event
/// cannot happen to a task in that status (a control is refused; a host event is a bug, counted).
public enum TaskTransitions {
    /// The move `event` makes from `status`, or nil when it is not allowed.
    public static func move(from status: TaskStatus, on event: LifecycleEvent) -> LifecycleMove? {
        switch (status, event) {
        // The user's controls.
        case (.pending, .pause): .to(.paused)
        case (.running, .pause): .requested
        case (.paused, .resume), (.interrupted, .resume): .to(.pending)
        case (.running, .resume): .requested  // cancels a pause not yet reached
        case (.pending, .stop), (.paused, .stop): .to(.stopped)
        case (.running, .stop): .requested
        case (.running, .restart): .requested
        case (.paused, .restart): .requestedOrTo(.pending)
        case (.finished, .restart), (.failed, .restart), (.stopped, .restart), (.interrupted, .restart): .to(.pending)
        case (.finished, .delete), (.failed, .delete), (.stopped, .delete), (.interrupted, .delete): .removed
        // The host's own.
        case (.pending, .launch), (.pending, .resumeAttempt), (.paused, .resumeAttempt): .to(.running)
        case (.running, .reachPause): .to(.paused)
        case (.running, .finish): .to(.finished)
        // A paused attempt can still fail: its frozen worker killed (a limit, a kill -9), also once
        // resumed and waiting for its slot (pending).
        case (.running, .fail), (.paused, .fail), (.pending, .fail): .to(.failed)
        case (.running, .retry), (.paused, .retry), (.pending, .retry): .to(.pending)
        // A paused attempt stopped is `stopped` at once; its unwinding only closes the attempt.
        case (.running, .stopReached), (.stopped, .stopReached): .to(.stopped)
        // A paused attempt that was resumed is pending until its slot comes, its thread still
        // blocked: a restart or a shutdown asked meanwhile unwinds it from there.
        case (.running, .restartReached), (.paused, .restartReached), (.pending, .restartReached): .to(.pending)
        case (.running, .interrupt), (.paused, .interrupt), (.pending, .interrupt): .to(.interrupted)
        case (.running, .suspend), (.pending, .suspend): .to(.pending)
        case (.paused, .suspend): .to(.paused)
        case (.running, .requeue): .to(.pending)
        case (.pending, .invalidAtStart), (.running, .invalidAtStart), (.paused, .invalidAtStart): .to(.failed)
        default: nil
        }
    }

    /// The statuses from which the user's `action` is allowed.
    public static func statuses(allowing action: TaskAction) -> [TaskStatus] {
        let event = LifecycleEvent(action)
        // Resuming a running task only cancels a pause request; it is not a status a resume is "allowed" from.
        return TaskStatus.allCases.filter { move(from: $0, on: event) != nil && !(action == .resume && $0 == .running) }
    }
}
