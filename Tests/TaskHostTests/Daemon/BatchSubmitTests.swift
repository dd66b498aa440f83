import Foundation
import TaskHost
import Testing

/// Many tasks at once: `POST /v1/tasks/batch` and `taskhost start --from-file`, all or none.
@Suite("Batch submit")
struct BatchSubmitTests {
    func pendingCount(_ daemon: DaemonFixture) throws -> Int {
        let list = try daemon.cli("list", "--status", "pending", "--json", "--limit", "10000")
        return try APICoding.decoder.decode(TaskPage.self, from: Data(list.stdout.utf8)).tasks.count
    }

    @Test("start --from-file submits 12,000 lines in two transactions and prints every id in order")
    func fromFile() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let file = daemon.files.temporary.url.appendingPathComponent("tasks.jsonl")
        var lines = ["# comment lines and blank lines are skipped", ""]
        for index in 0..<12_000 {
            lines.append(#"{"type":"sleep","parameters":{"seconds":\#(index % 3)},"options":{"delaySeconds":3600,"tags":{"batch":"a"}}}"#)
        }
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let started = try daemon.cli("start", "--from-file", file.path)
        #expect(started.status == 0, "\(started.stderr)")
        let ids = started.stdout.split(separator: "\n")
        #expect(ids.count == 12_000 && Set(ids).count == 12_000 && ids.allSatisfy { $0.count == 32 })
        let tagged = try daemon.cli("list", "--tag", "batch=a", "--json", "--limit", "10000")
        #expect(try APICoding.decoder.decode(TaskPage.self, from: Data(tagged.stdout.utf8)).tasks.count == 10_000)
        let last = try daemon.detail(String(ids[11_999])).task
        #expect(last.parameters["seconds"] == .int(11_999 % 3) && last.runAt != nil && last.source == .manual)
    }

    @Test("a file larger than one request's body limit (32 MiB) is sent in several requests, lines as written")
    func largeLines() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let file = daemon.files.temporary.url.appendingPathComponent("large.jsonl")
        // 560 lines of ~60 kB (under the 64 kB parameter limit): ~34 MB, over one request's limit.
        let filler = String(repeating: "x", count: 60_000)
        var text = ""
        for index in 0..<560 {
            text += #"  {"type":"shell","parameters":{"command":"true \#(index) \#(filler)"},"options":{"delaySeconds":3600}}\#r"# + "\n"
        }
        try text.write(to: file, atomically: true, encoding: .utf8)
        let started = try daemon.cli("start", "--from-file", file.path)
        #expect(started.status == 0, "\(started.stderr.prefix(500))")
        let ids = started.stdout.split(separator: "\n")
        #expect(ids.count == 560 && Set(ids).count == 560)
        let last = try daemon.detail(String(try #require(ids.last))).task
        #expect(last.parameters["command"] == .string("true 559 \(filler)"))
    }

    @Test("one bad line refuses the whole file, naming the line; nothing is submitted")
    func badLine() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let file = daemon.files.temporary.url.appendingPathComponent("bad.jsonl")
        let lines = [
            #"{"type":"sleep","options":{"delaySeconds":3600}}"#,
            #"{"type":"sleep","parameters":{"seconds":"soon"},"options":{"delaySeconds":3600}}"#,
            #"{"type":"no-such-type"}"#,
        ]
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let refused = try daemon.cli("start", "--from-file", file.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("line 2") && refused.stderr.contains("seconds") && refused.stderr.contains("line 3"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was submitted"))
        #expect(try pendingCount(daemon) == 0)
        try "{not json\n".write(to: file, atomically: true, encoding: .utf8)
        let garbage = try daemon.cli("start", "--from-file", file.path)
        #expect(garbage.status == 1 && garbage.stderr.contains("line 1"), "\(garbage.stderr)")
    }

    @Test("lines are checked as lines though a request is checked in one decode: a line with two objects, or an object closed on the next line, is refused by its number even when the lines together would decode")
    func linesThatOnlyDecodeTogether() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let file = daemon.files.temporary.url.appendingPathComponent("crafted.jsonl")
        let good = #"{"type":"sleep","options":{"delaySeconds":3600}}"#
        // Joined with commas into one array these are 4 tasks for 4 lines; not one of lines 1, 2 and 4 is a task.
        let lines = [
            #"{"type":"sleep","options":{"delaySeconds":3600},"parameters":{"seconds":[1"#,
            #"2]}}"#,
            good,
            #"{"type":"sleep","options":{"delaySeconds":3600}},{"type":"sleep","options":{"delaySeconds":3600}}"#,
        ]
        try (Array(repeating: good, count: 20_000) + lines).joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let refused = try daemon.cli("start", "--from-file", file.path)
        #expect(refused.status == 1)
        for line in [20_001, 20_002, 20_004] {
            #expect(refused.stderr.contains("line \(line): not a task"), "\(refused.stderr)")
        }
        #expect(!refused.stderr.contains("line 20003") && refused.stderr.contains("3 invalid tasks"), "\(refused.stderr)")
        #expect(try pendingCount(daemon) == 0)
    }

    @Test("the API answers 400 with each refused item by index, and refuses over 10,000 tasks")
    func api() throws {
        let daemon = try DaemonFixture(http: true, plugins: ["Sleep"])
        let port = try #require(daemon.port)
        let good = #"{"type":"sleep","options":{"delaySeconds":3600}}"#
        let body = Data(#"{"tasks":[\#(good),{"type":"sleep","parameters":{"seconds":-1}},\#(good)]}"#.utf8)
        let (status, text) = try RawHTTP.request(port: port, "POST", "/v1/tasks/batch", token: daemon.token, body: body)
        #expect(status == 400 && text.contains("invalid_batch") && text.contains("\"index\":1"), "\(text)")
        #expect(try pendingCount(daemon) == 0)
        let ok = Data(#"{"tasks":[\#(good),\#(good)]}"#.utf8)
        let (created, answer) = try RawHTTP.request(port: port, "POST", "/v1/tasks/batch", token: daemon.token, body: ok)
        let result = try APICoding.decoder.decode(BatchSubmitResult.self, from: Data(answer.utf8))
        #expect(created == 201 && result.ids.count == 2 && result.created == 2)
        let tooMany = Data(("{\"tasks\":[" + Array(repeating: good, count: 10_001).joined(separator: ",") + "]}").utf8)
        let (refused, reason) = try RawHTTP.request(port: port, "POST", "/v1/tasks/batch", token: daemon.token, body: tooMany)
        #expect(refused == 400 && reason.contains("at most 10000"), "\(reason)")
    }
}
