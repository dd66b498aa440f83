import Foundation
import TaskHost
import Testing

/// One JSON shape, one error voice, help that reads well: the real binary and the real API.
@Suite("one shape, one voice")
struct OneShapeTests {
    /// The top-level JSON value's keys, or nil when the output is not one JSON object.
    func objectKeys(_ text: String) -> [String]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        return object.keys.sorted()
    }

    @Test("every --json output is an object, lists are named, an empty list prints [] on one line, argv is an array")
    func jsonShapes() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let task = try daemon.cli("start", "sleep", "-p", "seconds=0", "--wait", "--json")
        #expect(objectKeys(task.stdout)?.contains("id") == true, "\(task.stdout)")
        let id = try APICoding.decoder.decode(TaskRecord.self, from: Data(task.stdout.utf8)).id
        let schedule = try daemon.addSchedule(["sleep", "--every", "1h"])
        let expectations: [([String], [String])] = [
            (["list"], ["tasks"]),
            (["show", id], ["attempts", "task"]),
            (["logs", id], ["lines"]),
            (["types"], ["types"]),
            (["schedule", "list"], ["schedules"]),
            (["schedule", "show", schedule], ["id"]),
            (["schedule", "next", schedule], ["firings", "timeZone"]),
            (["schedule", "pause", schedule], ["schedules"]),
            (["schedule", "preview", "--every", "10m"], ["firings", "timeZone"]),
            (["audit"], ["events"]),
            (["health"], []),
            (["plugins"], []),
            (["restart", id], ["tasks"]),
        ]
        for (command, keys) in expectations {
            let result = try daemon.cli(command + ["--json"])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            let found = objectKeys(result.stdout)
            #expect(found != nil, "\(command) printed no JSON object: \(result.stdout)")
            for key in keys { #expect(found?.contains(key) == true, "\(command): \(found ?? [])") }
        }
        #expect(try daemon.cli("list", "--status", "failed", "--json").stdout == "{\n  \"tasks\" : []\n}\n")

        let exec = try daemon.cli("exec", "--json", "--env", "A=b", "--", "echo", "a b")
        let parameters = try #require(
            (try JSONSerialization.jsonObject(with: Data(exec.stdout.utf8)) as? [String: Any])?["parameters"] as? [String: Any], "\(exec.stdout)")
        #expect(parameters["argv"] as? [String] == ["echo", "a b"], "\(parameters)")
        #expect(parameters["env"] as? [String: String] == ["A": "b"], "\(parameters)")
        // And it reads back as the same task.
        let record = try APICoding.decoder.decode(TaskRecord.self, from: Data(exec.stdout.utf8))
        #expect(record.parameters["argv"] == .string(#"["echo","a b"]"#))
    }

    @Test("the API's lists are objects with named lists too")
    func apiShapes() throws {
        let daemon = try DaemonFixture(http: true, plugins: ["Sleep"])
        let port = try #require(daemon.port)
        _ = try daemon.addSchedule(["sleep", "--every", "1h"])
        let id = try daemon.cli("start", "sleep", "-p", "seconds=0", "--wait", "--json")
        let task = try APICoding.decoder.decode(TaskRecord.self, from: Data(id.stdout.utf8))
        let schedule = try APICoding.decoder.decode(ScheduleList.self, from: Data(try daemon.cli("schedule", "list", "--json").stdout.utf8)).schedules[0]
        for (path, key) in [
            ("/v1/types", "types"), ("/v1/schedules", "schedules"), ("/v1/audit", "events"), ("/v1/tasks", "tasks"),
            ("/v1/tasks/\(task.id)/logs", "lines"), ("/v1/schedules/\(schedule.id)/next?n=2", "firings"),
            ("/v1/schedules/preview?every=600", "firings"),
        ] {
            let (status, text) = try RawHTTP.request(port: port, "GET", path, token: daemon.token)
            #expect(status == 200, "\(path): \(text)")
            #expect(objectKeys(text)?.contains(key) == true, "\(path): \(text.prefix(200))")
        }
        let (_, tail) = try RawHTTP.request(port: port, "GET", "/v1/tasks/\(task.id)/logs?tail=0", token: daemon.token)
        #expect(tail.contains("tail must be a positive integer"), "\(tail)")
    }

    @Test("one error voice: error: … [code] for the API's refusals, the CLI's own and the argument parser's")
    func errorVoice() throws {
        let daemon = try DaemonFixture(plugins: ["Sleep"])
        let cases: [([String], Int32, String)] = [
            (["start", "sleep", "--delay"], 2, "error: Missing value for '--delay <delay>' [usage]"),
            (["list", "--bogus"], 2, "error: Unknown option '--bogus' [usage]"),
            (["start"], 2, "error: give a task type (see `taskhost types`) or --from-file FILE [usage]"),
            (["start", "sleep", "-p", "seconds"], 2, "error: -p 'seconds' must be key=value [usage]"),
            (["show", "ffffffff"], 1, "no task with id 'ffffffff'; `taskhost list` shows the ids [task_not_found]"),
            (["start", "sleep", "-p", "seconds=abc"], 1, "[invalid_parameters]"),
        ]
        for (arguments, status, expected) in cases {
            let result = try daemon.cli(arguments)
            #expect(result.status == status, "\(arguments): \(result.status) \(result.stderr)")
            // The message may run over several lines (every bad parameter); the code closes it.
            let text = result.stderr.components(separatedBy: "\nUsage:")[0].components(separatedBy: "\nHelp:")[0]
            #expect(text.hasPrefix("error: ") && text.contains(expected), "\(arguments): \(result.stderr)")
            #expect(text.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("]"), "\(arguments): \(result.stderr)")
        }
        daemon.signal(SIGTERM)
        let down = try daemon.cli("pause", "abc")
        #expect(down.status == 3 && down.stderr.hasPrefix("error: no taskhost is running") && down.stderr.hasSuffix("[host_not_running]\n"), "\(down.stderr)")
    }

    /// Every command path whose help is checked.
    static let commands: [[String]] = [
        [], ["serve"], ["start"], ["list"], ["show"], ["logs"], ["wait"], ["pause"], ["resume"], ["stop"], ["restart"], ["rm"],
        ["exec"], ["schedule"], ["schedule", "add"], ["schedule", "list"], ["schedule", "show"], ["schedule", "pause"],
        ["schedule", "resume"], ["schedule", "rm"], ["schedule", "next"], ["schedule", "preview"], ["types"], ["plugins"],
        ["plugins", "show"], ["plugins", "rescan"], ["plugins", "check"], ["audit"], ["prune"], ["run"], ["health"],
    ]

    @Test("--help: no host-only options on client commands, each default once, nothing rewrapped at 80 columns")
    func help() throws {
        func help(_ command: [String], columns: Int) throws -> String {
            var environment = ProcessInfo.processInfo.environment
            environment["COLUMNS"] = String(columns)
            return try runCommand(BuildProducts.taskhost.path, command + ["--help"], environment: environment).stdout
        }
        /// What follows the abstract: the discussion and the examples, up to the usage line.
        func discussion(_ text: String) -> String {
            let body = text.components(separatedBy: "\nUSAGE:").first ?? text
            return body.components(separatedBy: "\n\n").dropFirst().joined(separator: "\n\n")
        }
        for command in Self.commands {
            let narrow = try help(command, columns: 80)
            #expect(narrow.contains("USAGE:"), "\(command)")
            #expect(discussion(narrow) == discussion(try help(command, columns: 1000)), "\(command): a line of its discussion wraps at 80 columns")
            for line in narrow.split(separator: "\n") where line.contains("(default: ") {
                #expect(!line.replacingOccurrences(of: "(default: ", with: "").contains("(default "), "\(command): \(line)")
            }
            let hostOnly = narrow.contains("--allow-insecure-plugins") || narrow.contains("--verbose")
            let loadsPlugins = [["serve"], ["run"], ["types"], ["plugins", "check"]].contains(command)
            #expect(hostOnly == loadsPlugins, "\(command): host-only options \(hostOnly ? "listed" : "missing")")
        }
        let priority = try help(["start"], columns: 200)
        #expect(priority.components(separatedBy: "default").count - 1 >= 1)
        #expect(!priority.contains("(default 0). (default: 0)"))
    }
}
