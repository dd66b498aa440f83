import Foundation
import Testing

@testable import TaskHost

@Suite("Store durability levels")
struct StoreDurabilityTests {
    /// The `PRAGMA synchronous` in force on the store's writer connection (1 NORMAL, 2 FULL).
    static func writerSynchronous(_ store: TaskStore) throws -> Int64 {
        let value = LockedBox<Int64>(-1)
        try store.writer.write { connection in value.set(try connection.integer("PRAGMA synchronous")) }
        return value.get()
    }

    @Test("process (the default) commits at synchronous=NORMAL, power at FULL; both keep WAL")
    func levelsSetTheWriterPragma() throws {
        let directory = try TemporaryDirectory("taskhost-durability")
        let standard = try TaskStore(path: directory.url.appendingPathComponent("process.db").path)
        defer { standard.close() }
        let power = try TaskStore(path: directory.url.appendingPathComponent("power.db").path, durability: .power)
        defer { power.close() }

        #expect(standard.durability == .process)
        #expect(try Self.writerSynchronous(standard) == 1)
        #expect(try Self.writerSynchronous(power) == 2)
        let mode = LockedBox("")
        try power.writer.write { connection in
            let statement = try connection.statement("PRAGMA journal_mode")
            defer { statement.reset() }
            if try statement.step() { mode.set(statement.text(0)) }
        }
        #expect(mode.get() == "wal")
    }

    @Test("a database written at one level opens at the other: the level is per host run, not per file")
    func levelIsNotStoredInTheFile() throws {
        let directory = try TemporaryDirectory("taskhost-durability")
        let path = directory.url.appendingPathComponent("taskhost.db").path
        let first = try TaskStore(path: path, durability: .power)
        first.close()
        let second = try TaskStore(path: path, durability: .process)
        defer { second.close() }
        #expect(try Self.writerSynchronous(second) == 1)
    }
}
