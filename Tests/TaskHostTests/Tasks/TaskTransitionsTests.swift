import TaskHost
import Testing

/// The one transition table, checked cell by cell: every status × every event, written out here
/// so that a change to the table is a change a reviewer sees twice.
@Suite("the transition table")
struct TaskTransitionsTests {
    /// Expected moves; every cell not listed is nil (not allowed).
    static let expected: [TaskStatus: [LifecycleEvent: LifecycleMove]] = [
        .pending: [
            .pause: .to(.paused), .stop: .to(.stopped), .launch: .to(.running), .resumeAttempt: .to(.running),
            .invalidAtStart: .to(.failed), .restartReached: .to(.pending), .interrupt: .to(.interrupted), .suspend: .to(.pending),
            .fail: .to(.failed), .retry: .to(.pending),
        ],
        .running: [
            .pause: .requested, .resume: .requested, .stop: .requested, .restart: .requested,
            .reachPause: .to(.paused), .finish: .to(.finished), .fail: .to(.failed), .retry: .to(.pending), .stopReached: .to(.stopped),
            .restartReached: .to(.pending), .interrupt: .to(.interrupted), .suspend: .to(.pending), .requeue: .to(.pending),
            .invalidAtStart: .to(.failed),
        ],
        .paused: [
            .resume: .to(.pending), .stop: .to(.stopped), .restart: .requestedOrTo(.pending), .resumeAttempt: .to(.running), .fail: .to(.failed),
            .retry: .to(.pending), .restartReached: .to(.pending), .interrupt: .to(.interrupted), .suspend: .to(.paused),
            .invalidAtStart: .to(.failed),
        ],
        .finished: [.restart: .to(.pending), .delete: .removed],
        .failed: [.restart: .to(.pending), .delete: .removed],
        .stopped: [.restart: .to(.pending), .delete: .removed, .stopReached: .to(.stopped)],
        .interrupted: [.resume: .to(.pending), .restart: .to(.pending), .delete: .removed],
    ]

    @Test("every status × event cell is the one written here", arguments: TaskStatus.allCases)
    func table(_ status: TaskStatus) {
        for event in LifecycleEvent.allCases {
            #expect(TaskTransitions.move(from: status, on: event) == Self.expected[status]?[event], "\(status) on \(event)")
        }
    }

    @Test("no host event leaves a terminal status but for a stop closing its attempt; terminal tasks change only by the user")
    func terminalStatuses() {
        let userEvents: Set<LifecycleEvent> = [.pause, .resume, .stop, .restart, .delete]
        for status in TaskStatus.allCases where status.isTerminal {
            for event in LifecycleEvent.allCases where !userEvents.contains(event) && event != .stopReached {
                #expect(TaskTransitions.move(from: status, on: event) == nil, "\(status) on \(event)")
            }
        }
    }

    @Test("the controls' allowed statuses come from the table, and refusals name them")
    func controls() throws {
        #expect(TaskLifecycle.allowedStatuses(for: .resume) == [.paused, .interrupted])
        #expect(TaskLifecycle.allowedStatuses(for: .stop) == [.pending, .running, .paused])
        #expect(TaskLifecycle.allowedStatuses(for: .delete) == [.finished, .failed, .stopped, .interrupted])
        #expect(TaskLifecycle.allowedStatuses(for: .restart) == [.running, .paused, .finished, .failed, .stopped, .interrupted])
        #expect(TaskLifecycle.allowedStatuses(for: .pause) == [.pending, .running])
        #expect(throws: TaskHostError.self) { try TaskLifecycle.check(.resume, taskID: "t", status: .finished) }
    }
}
