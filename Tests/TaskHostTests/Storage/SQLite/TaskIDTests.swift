import Foundation
@testable import TaskHost
import Testing

@Suite("Task ids")
struct TaskIDTests {
    @Test("ids are 32 lowercase hex digits, distinct across pool refills and threads, with every digit in every place")
    func idsAreRandomHex() async throws {
        // 4 threads x 2,000 ids: the 4 KB pool is refilled ~30 times under contention.
        let ids = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { (0..<2000).map { _ in TaskManager.newTaskID() } } }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        let hex = Set("0123456789abcdef")
        #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy(hex.contains) })
        #expect(Set(ids).count == ids.count)
        // Each of the 32 places takes all 16 digits over 8,000 ids (a place stuck at one digit, or
        // a half of the id copied from the other, would show here).
        for place in 0..<32 {
            let digits = Set(ids.map { Array($0)[place] })
            #expect(digits.count == 16, "place \(place) took only \(digits.sorted())")
        }
        let halves = ids.filter { $0.prefix(16) == $0.suffix(16) }
        #expect(halves.isEmpty)
    }
}
