import Foundation
import TaskHost
import Testing

/// NaN and infinities used to be stored as JSON null; `show` and `list` then answered 500 and the
/// reader statement stayed open on a stale snapshot.
@Suite("Hostile input: parameters and reads")
struct ParameterInputTests {
    @Test("nan, inf and 1e999 for a double parameter are refused naming the parameter (CLI exit 1, API 400)")
    func nonFiniteRefused() throws {
        let daemon = try DaemonFixture(http: true)
        for value in ["nan", "inf", "-inf", "1e999"] {
            let result = try daemon.cli("start", "sleep", "-p", "seconds=\(value)")
            #expect(result.status == 1, "\(value): \(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains("parameter 'seconds': expected a finite number"), "\(result.stderr)")
        }
        let port = try #require(daemon.port)
        let (status, body) = try RawHTTP.request(
            port: port, "POST", "/v1/tasks", token: daemon.token, body: Data(#"{"type":"sleep","parameters":{"seconds":"NaN"}}"#.utf8))
        #expect(status == 400 && body.contains("seconds"), "\(body)")
        let list = try daemon.cli("list", "--json")
        #expect(list.status == 0, "\(list.stderr)")
    }

    @Test("a row that fails to decode is an error for that read only: the next read sees fresh data")
    func statementResetAfterDecodeError() throws {
        let fixture = try ManagerFixture()
        let broken = try fixture.submit("probe", ["ms": "1"])
        _ = try fixture.waitFor(broken, .finished)
        // Corrupt the parameters column from another connection (a hand edit, a bad old version).
        let edit = try runCommand("/usr/bin/env", ["sqlite3", fixture.databasePath, "UPDATE tasks SET parameters = 'not json' WHERE id = '\(broken)';"])
        try #require(edit.status == 0, "\(edit.stderr)")
        #expect(throws: TaskHostError.self) { try fixture.store.record(broken) }
        // A write after the failed read must be visible to the next read on the same reader.
        let fresh = try fixture.submit("probe", ["ms": "1"])
        _ = try fixture.waitFor(fresh, .finished)
        #expect(try fixture.store.record(fresh).status == .finished)
        #expect(try fixture.store.list(TaskFilter()).tasks.map(\.id).contains(fresh))
    }

    @Test("an error message quotes a 100 KB value cut short, with its size")
    func longValuesClipped() throws {
        let daemon = try DaemonFixture()
        let huge = String(repeating: "z", count: 100_000)
        let result = try daemon.cli("start", "sleep", "-p", "seconds=\(huge)")
        #expect(result.status == 1)
        #expect(result.stderr.count < 2_000, "\(result.stderr.count) characters")
        #expect(result.stderr.contains("(100000 bytes)"), "\(result.stderr.prefix(300))")
        let unknown = try daemon.cli("start", huge)
        #expect(unknown.stderr.count < 2_000)
    }
}
