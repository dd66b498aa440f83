import Foundation
import Testing

@testable import TaskHost

/// Text is bound with its length and read back by its length: what goes in comes out, byte for byte.
@Suite("SQLite text: bound and read by length")
struct SQLiteTextTests {
    @Test("short, long, non-ASCII and NUL-holding text round-trips, and is found by equality")
    func textRoundTrips() throws {
        let scratch = try TemporaryDirectory("sqlite-text")
        let connection = try SQLiteConnection(path: scratch.url.appendingPathComponent("text.sqlite").path)
        try connection.execute("CREATE TABLE t (value TEXT NOT NULL)")
        let values = ["", "a", "running", "fifteen bytes!!", "sixteen bytes!!!", "ünïcödé ✓ 🧵", "before\u{0}after", String(repeating: "x", count: 100_000)]
        for value in values { try connection.run("INSERT INTO t (value) VALUES (?)", [.text(value)]) }
        #expect(try connection.query("SELECT value FROM t ORDER BY rowid") { $0.text(0) } == values)
        #expect(try connection.query("SELECT length(CAST(value AS BLOB)) FROM t ORDER BY rowid") { $0.int(0) } == values.map(\.utf8.count))
        // The NUL is part of the value: the text before it alone is another value.
        #expect(try connection.integer("SELECT count(*) FROM t WHERE value = 'before'") == 0)
        #expect(try connection.query("SELECT count(*) FROM t WHERE value = ?", [.text("before\u{0}after")]) { $0.int(0) } == [1])
    }
}
