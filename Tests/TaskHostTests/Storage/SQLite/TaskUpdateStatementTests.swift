import Foundation
import Testing

@testable import TaskHost

/// A task row's UPDATE is prepared once per shape (its columns in order, and whether it clears the
/// saved state) and found again by a key packed from that shape, not by its SQL text.
@Suite("Task updates: one prepared statement per shape, found by a packed key")
struct TaskUpdateStatementTests {
    @Test("each shape of columns gets a key of its own; two shapes never share one")
    func keysAreDistinctPerShape() {
        let columns = (UInt8(1)...31).compactMap(TaskColumn.init(rawValue:))
        #expect(columns.count == 20 && TaskColumn(rawValue: 0) == nil, "every column has a code of 1...31 (five bits)")
        var seen: [UInt64: String] = [:]
        // Every sequence of up to 3 of the 20 columns (repeats allowed), with and without clearing the saved state.
        var shapes: [[TaskColumn]] = [[]]
        var longest: [[TaskColumn]] = [[]]
        for _ in 0..<3 {
            longest = longest.flatMap { shape in columns.map { shape + [$0] } }
            shapes += longest
        }
        // And some of 11, the most a key holds, that differ only in their last or first column.
        shapes += columns.map { Array(repeating: .status, count: 10) + [$0] }
        shapes += columns.map { [$0] + Array(repeating: .errorType, count: 10) }
        for shape in shapes {
            for clear in [false, true] {
                var change = TaskRowChange(clearSavedState: clear)
                for column in shape { change.set(column, .integer(1)) }
                guard let key = change.statementKey else {
                    Issue.record("no key for \(shape)")
                    continue
                }
                let name = "\(shape.map(\.name)) clear=\(clear)"
                #expect(seen[key] == nil, "\(name) and \(seen[key] ?? "") share key \(key)")
                seen[key] = name
            }
        }
        #expect(seen.count == Set(shapes).count * 2)
        // More columns than a key holds: no key, the SQL text names the statement instead.
        var wide = TaskUpdate("t")
        for field in [TaskField.progress(nil), .error(nil), .exit(nil), .status(.failed), .attempt(2)] { wide.set(field) }
        #expect(TaskRowChange(wide).columns.count == 10 && TaskRowChange(wide).statementKey != nil)
        wide.set(.notice("n"))
        wide.set(.hostDeaths(1))
        #expect(TaskRowChange(wide).columns.count == 12 && TaskRowChange(wide).statementKey == nil)
    }

    @Test("updates of the same shape reuse the statement with their own values; other shapes, saved-state clearing and wide updates write what they say")
    func updatesWriteTheirValues() throws {
        let (scratch, path) = try TaskStore.createdInScratch("update-shapes")
        defer { withExtendedLifetime(scratch) {} }
        _ = try sql(
            path,
            """
            INSERT INTO tasks (id, type, status, parameters, backoff_base, backoff_factor, backoff_cap, created_at, updated_at, saved_state)
                VALUES ('a', 'noop', 'pending', '{}', 1, 2, 60, 10, 10, x'01'), ('b', 'noop', 'pending', '{}', 1, 2, 60, 10, 10, x'02');
            """)
        let connection = try SQLiteConnection(path: path)
        func apply(_ id: String, clear: Bool = false, _ fields: [TaskField]) throws {
            var update = TaskUpdate(id)
            for field in fields { update.set(field) }
            update.clearSavedState = clear
            try update.apply(to: connection, now: 20)
        }
        func row(_ id: String) throws -> String {
            try sql(path, "SELECT status, attempt, started_at, notice, saved_state IS NULL, error_message, exit_code, updated_at FROM tasks WHERE id = '\(id)'")
        }
        try apply("a", [.status(.running), .attempt(1), .startedAt(11)])
        try apply("b", [.status(.paused), .attempt(3), .startedAt(12)])  // same shape: the cached statement, other values
        #expect(try row("a") == "running|1|11.0||0|||20.0")
        #expect(try row("b") == "paused|3|12.0||0|||20.0")
        try apply("a", [.attempt(2), .status(.pending)])  // other order: another statement
        #expect(try row("a") == "pending|2|11.0||0|||20.0")
        try apply("b", clear: true, [.status(.pending), .attempt(4), .startedAt(13)])  // the first shape, clearing the saved state
        #expect(try row("b") == "pending|4|13.0||1|||20.0")
        #expect(try row("a") == "pending|2|11.0||0|||20.0")
        try apply(
            "a",
            [.status(.failed), .progress(TaskProgress(completed: 1, total: 2, message: "m")), .error(TaskFailure(message: "boom", type: "E", attempt: 2)),
             .exit(ProcessExit(exitCode: 3, signal: nil)), .notice("wide"), .hostDeaths(1), .retriesUsed(2)])  // 12 columns: named by its SQL text
        #expect(try row("a") == "failed|2|11.0|wide|0|boom|3|20.0")
        #expect(throws: TaskHostError.self) { try apply("gone", [.status(.running), .attempt(1), .startedAt(11)]) }
    }

}
