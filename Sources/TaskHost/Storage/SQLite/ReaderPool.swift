import Foundation

/// Read connections handed out one caller at a time: reads run in parallel with each other and
/// never wait for the manager's lock or the writer (WAL gives each its own snapshot).
final class ReaderPool: @unchecked Sendable {
    // Invariant: `idle` is only touched with `condition` locked.
    private let condition = NSCondition()
    private var idle: [SQLiteConnection]

    /// `connections` must be distinct connections to the same database.
    init(_ connections: [SQLiteConnection]) {
        idle = connections
    }

    /// Runs `body` with a connection of its own, waiting while all are in use.
    func withConnection<Result>(_ body: (SQLiteConnection) throws -> Result) rethrows -> Result {
        condition.lock()
        while idle.isEmpty { condition.wait() }
        let connection = idle.removeLast()
        condition.unlock()
        defer {
            condition.lock()
            idle.append(connection)
            condition.signal()
            condition.unlock()
        }
        return try body(connection)
    }
}
