import Foundation
import TaskHost
import Testing

/// Results, parameters, tags and log lines are bounded, and `list` carries summaries only.
@Suite("Hostile input: size limits")
struct LimitTests {
    @Test("a 2 MB result fails the attempt naming the 1 MB limit; list rows carry no result or parameters")
    func resultLimit() throws {
        let daemon = try DaemonFixture()
        let big = try daemon.cli("start", "big-result", "-p", "kb=2048", "--wait")
        #expect(big.status == 1)
        #expect(big.stdout.contains("over this host's 1 MB result limit"), "\(big.stdout)")
        let small = try daemon.cli("start", "big-result", "-p", "kb=100", "--wait")
        #expect(small.status == 0)
        let list = try daemon.cli("list", "--json")
        try #require(list.status == 0)
        #expect(list.stdout.count < 10_000, "list --json is \(list.stdout.count) bytes")
        #expect(!list.stdout.contains("\"result\"") && !list.stdout.contains("\"parameters\""))
    }

    @Test("the limits are settable on serve: --max-result 1K refuses a 2 KB result")
    func limitFlags() throws {
        let daemon = try DaemonFixture(extraArguments: ["--max-result", "1K", "--max-tags", "1"])
        let result = try daemon.cli("start", "big-result", "-p", "kb=2", "--wait")
        #expect(result.stdout.contains("over this host's 1 KB result limit"), "\(result.stdout)")
        let tags = try daemon.cli("start", "sleep", "--tag", "a=1", "--tag", "b=2")
        #expect(tags.status == 1 && tags.stderr.contains("this host allows at most 1"), "\(tags.stderr)")
        let bad = try runCommand(BuildProducts.taskhost.path, ["serve", "--max-result", "lots", "--home", daemon.home.path + "-x"])
        #expect(bad.status == 2 && bad.stderr.contains("--max-result"), "\(bad.stderr)")
    }

    @Test("parameters over 64 KB, 33 tags and a 300-byte tag are refused with the limit named")
    func submitLimits() throws {
        let fixture = try ManagerFixture(plugins: ["HashTree", "TestTasksFixture"])
        let huge = String(repeating: "p", count: 70_000)
        do {
            _ = try fixture.manager.submit(type: "hash-tree", parameters: ["path": .string("/" + huge)])
            Issue.record("a 70 KB parameter was accepted")
        } catch {
            #expect("\(error)".contains("parameters are 68.4 KB as JSON; this host allows at most 64 KB"), "\(error)")
        }
        let manyTags = Dictionary(uniqueKeysWithValues: (0..<33).map { ("t\($0)", "v") })
        do {
            _ = try fixture.submit("probe", [:], SubmitOptions(tags: manyTags))
            Issue.record("33 tags were accepted")
        } catch {
            #expect("\(error)".contains("33 tags given; this host allows at most 32"))
        }
        do {
            _ = try fixture.submit("probe", [:], SubmitOptions(tags: ["k": String(repeating: "v", count: 300)]))
            Issue.record("a 300-byte tag was accepted")
        } catch {
            #expect("\(error)".contains("at most 256"))
        }
        let limited = try ManagerFixture(limits: TaskLimits(maxParameterBytes: 64))
        do {
            _ = try limited.manager.submit(type: "hooks", parameters: ["fail": .bool(false), "steps": .int(1)])
        } catch {
            Issue.record("small parameters refused: \(error)")
        }
    }

    @Test("a 100 KB log line is cut to 64 KB and says so; a log past its cap says how many lines were dropped")
    func logLimits() throws {
        let fixture = try ManagerFixture(logCap: 100)
        let long = try fixture.submit("long-line", ["kb": "100"])
        _ = try fixture.waitFor(long, .finished)
        let lines = try fixture.store.logs(long)
        let line = try #require(lines.last)
        #expect(line.message.utf8.count < 66 * 1024)
        #expect(line.message.contains("[line cut: 100 KB, limit 64 KB]"))

        let chatty = try fixture.submit("chatty", ["progress": "1000", "logs": "1000"])
        _ = try fixture.waitFor(chatty, .finished)
        _ = fixture.eventually { (try? fixture.store.logs(chatty).first?.message.contains("earlier lines dropped")) == true }
        let logs = try fixture.store.logs(chatty)
        let first = try #require(logs.first)
        #expect(first.message == "… 900 earlier lines dropped (each task keeps its newest 100)", "\(first.message)")
        #expect(logs.count == 101)
        #expect(logs.last?.message == "line 999")
        // A follower that already has the marker is not shown it again.
        #expect(try fixture.store.logs(chatty, after: first.sequence).first?.message == "line 900")
    }
}
