import Foundation
import Synchronization
import Testing

@testable import TaskHost

/// Outcomes whose commit came back are settled by one hop per burst: none may be left behind.
@Suite("Committed outcomes: one hop settles a burst")
struct CommittedOutcomesTests {
    @Test("the first add asks for a drain, later ones ride along until a take comes back empty")
    func oneDrainPerBurst() {
        let inbox = CommittedOutcomes()
        #expect(inbox.add(.init(taskID: "a", token: 1, error: nil)))
        #expect(!inbox.add(.init(taskID: "b", token: 2, error: nil)))
        #expect(inbox.take().map(\.taskID) == ["a", "b"])
        #expect(!inbox.add(.init(taskID: "c", token: 3, error: nil)), "the drain has not ended yet: it takes this one too")
        #expect(inbox.take().map(\.taskID) == ["c"])
        #expect(inbox.take().isEmpty)
        #expect(inbox.add(.init(taskID: "d", token: 4, error: nil)), "the drain ended: the next add must ask for another")
    }

    @Test("four threads adding 40,000 entries while drains run: every entry is taken exactly once")
    func noEntryLeftBehind() async throws {
        let inbox = CommittedOutcomes()
        let taken = Atomic<Int>(0)
        let drains = Atomic<Int>(0)
        let tokens = Mutex<Set<UInt64>>([])
        let perThread = 10_000
        let group = DispatchGroup()
        for thread in 0..<4 {
            DispatchQueue.global().async(group: group) {
                for index in 0..<perThread {
                    let token = UInt64(thread * perThread + index)
                    guard inbox.add(.init(taskID: "t", token: token, error: nil)) else { continue }
                    drains.add(1, ordering: .relaxed)
                    DispatchQueue.global().async {
                        while true {
                            let entries = inbox.take()
                            if entries.isEmpty { return }
                            tokens.withLock { set in for entry in entries { set.insert(entry.token) } }
                            taken.add(entries.count, ordering: .relaxed)
                        }
                    }
                }
            }
        }
        group.wait()
        let deadline = Date().addingTimeInterval(10)
        while taken.load(ordering: .relaxed) < 4 * perThread, Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(taken.load(ordering: .relaxed) == 4 * perThread)
        #expect(tokens.withLock { $0.count } == 4 * perThread)
        #expect(drains.load(ordering: .relaxed) >= 1)
    }
}
