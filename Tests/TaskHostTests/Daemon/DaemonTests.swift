import Foundation
import Logging
import TaskHost
import TaskHostServer
import Testing

/// The daemon itself: socket, lock, token, events, shutdown, crash restore, API document.
@Suite("taskhost serve")
struct DaemonTests {
    @Test("the control socket is mode 0600 and a second host on the same home is refused")
    func socketAndLock() throws {
        let daemon = try DaemonFixture()
        let socket = daemon.home.appendingPathComponent("taskhost.sock").path
        let mode = try FileManager.default.attributesOfItem(atPath: socket)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(daemon.banner.contains("socket    \(socket)"))

        let second = try runCommand(
            BuildProducts.taskhost.path, ["serve", "--home", daemon.home.path, "--plugins", daemon.files.plugins.path])
        #expect(second.status == 1)
        #expect(second.stderr.contains("is already serving \(daemon.home.path)"))
        #expect(daemon.process.isRunning)
    }

    @Test("the TCP listener requires the token: missing or wrong → 401 JSON; non-loopback refused")
    func tokenAndLoopback() throws {
        let daemon = try DaemonFixture(http: true)
        let port = try #require(daemon.port)
        // The token is never printed (standard output ends up in logs); the file holding it is.
        #expect(!daemon.token.isEmpty && !daemon.banner.contains(daemon.token))
        #expect(daemon.banner.contains("Bearer <the token in \(daemon.home.path)/token>"), "\(daemon.banner)")
        let (missing, missingBody) = try RawHTTP.request(port: port, "GET", "/v1/healthz", token: nil)
        #expect(missing == 401)
        #expect(missingBody.contains(#""code":"missing_token""#))
        let (wrong, wrongBody) = try RawHTTP.request(port: port, "GET", "/v1/tasks", token: "not-the-token")
        #expect(wrong == 401)
        #expect(wrongBody.contains(#""code":"wrong_token""#))
        let (ok, body) = try RawHTTP.request(port: port, "GET", "/v1/healthz", token: daemon.token)
        #expect(ok == 200)
        #expect(body.contains(#""status":"ok""#))

        let (tooLarge, _) = try RawHTTP.request(
            port: port, "POST", "/v1/tasks", token: daemon.token, body: Data(repeating: 0x20, count: 2 << 20))
        #expect(tooLarge == 413)
        let (notFound, notFoundBody) = try RawHTTP.request(port: port, "POST", "/v1/tasks/0123abcd/pause", token: daemon.token)
        #expect(notFound == 404)
        #expect(notFoundBody.contains(#""code":"task_not_found""#))
        let (badType, _) = try RawHTTP.request(
            port: port, "POST", "/v1/tasks", token: daemon.token, body: Data(#"{"type":"nope"}"#.utf8))
        #expect(badType == 404)
        let (badParameters, badBody) = try RawHTTP.request(
            port: port, "POST", "/v1/tasks", token: daemon.token, body: Data(#"{"type":"sleep","parameters":{"seconds":"x","y":1}}"#.utf8))
        #expect(badParameters == 400)
        #expect(badBody.contains("unknown parameter 'y'") && badBody.contains("expected a number"))
        let (created, createdBody) = try RawHTTP.request(
            port: port, "POST", "/v1/tasks", token: daemon.token, body: Data(#"{"type":"sleep","parameters":{"seconds":0}}"#.utf8))
        #expect(created == 201)
        let task = try APICoding.decoder.decode(TaskRecord.self, from: Data(createdBody.utf8))
        _ = try daemon.cli("wait", task.id)
        let (conflict, conflictBody) = try RawHTTP.request(port: port, "POST", "/v1/tasks/\(task.id)/pause", token: daemon.token)
        #expect(conflict == 409)
        #expect(conflictBody.contains("illegal_transition"))
        let (metrics, metricsBody) = try RawHTTP.request(port: port, "GET", "/v1/metrics", token: daemon.token)
        #expect(metrics == 200)
        #expect(metricsBody.contains(#"taskhost_tasks{status="finished"} 1"#))

        let remote = try runCommand(
            BuildProducts.taskhost.path, ["serve", "--home", daemon.files.temporary.url.appendingPathComponent("other").path, "--http", "0.0.0.0:9"])
        #expect(remote.status == 1)
        #expect(remote.stderr.contains("only loopback addresses"))
    }

    @Test("the SSE stream delivers a task's progress and final state")
    func serverSentEvents() throws {
        let daemon = try DaemonFixture(http: true)
        let port = try #require(daemon.port)
        let stream = try RawHTTP(port: port)
        stream.send("GET", "/v1/events", token: daemon.token)
        _ = stream.read { $0.contains(": taskhost events") }
        let task = try daemon.cli("start", "sleep", "-p", "seconds=0.5", "-p", "steps-per-second=20").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let text = stream.read { $0.contains(#""status":"finished""#) }
        #expect(text.contains("event: progress"))
        #expect(text.contains(#""taskID":"\#(task)""#))
        #expect(text.contains("event: status"))
        #expect(text.contains(#""kind":"status","status":"finished""#) || text.contains(#""status":"finished""#))
    }

    @Test("SIGTERM ends the daemon within its grace period even with open event and log streams")
    func gracefulShutdown() throws {
        let daemon = try DaemonFixture(http: true)
        let port = try #require(daemon.port)
        let task = try daemon.cli("start", "sleep", "-p", "seconds=60", "-p", "steps-per-second=20").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let events = try RawHTTP(port: port)
        events.send("GET", "/v1/events", token: daemon.token)
        _ = events.read { $0.contains("event: progress") }
        let follower = try RawHTTP(port: port)
        follower.send("GET", "/v1/tasks/\(task)/logs?follow=1", token: daemon.token)
        _ = follower.read { $0.contains("200 OK") }

        let took = daemon.signal(SIGTERM)
        #expect(!daemon.process.isRunning)
        #expect(took < 5, "shutdown took \(took) s with a 5 s grace")
        #expect(daemon.process.terminationStatus == 0)
        // Both streams were ended by the host, not by us.
        _ = events.read()
        _ = follower.read()
        let list = try daemon.cli("show", task)
        #expect(list.stdout.contains("status      pending"))
        #expect(list.stdout.contains("suspended by a host shutdown"))
    }

    @Test("a task that never reaches a checkpoint is recorded interrupted when the grace period ends")
    func graceDeadline() throws {
        let daemon = try DaemonFixture(grace: "1s")
        let stubborn = try daemon.cli("start", "no-checkpoint", "-p", "ms=20000").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(FixturePolling.eventually { (try? daemon.cli("show", stubborn).stdout.contains("status      running")) ?? false })
        let took = daemon.signal(SIGTERM)
        #expect(took < 4, "shutdown took \(took) s with a 1 s grace")
        let shown = try daemon.cli("show", stubborn).stdout
        #expect(shown.contains("status      interrupted"))
        #expect(shown.contains("grace period"))
    }

    @Test("kill -9 mid-run, start again: interrupted and requeued tasks are restored")
    func killAndRestore() throws {
        let daemon = try DaemonFixture()
        let cut = try daemon.cli("start", "sleep", "-p", "seconds=60", "-p", "steps-per-second=50").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let paused = try daemon.cli("start", "sleep", "-p", "seconds=60", "-p", "steps-per-second=50").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        Thread.sleep(forTimeInterval: 0.4)
        _ = try daemon.cli("pause", paused)
        #expect(FixturePolling.eventually { (try? daemon.cli("show", paused).stdout.contains("status      paused")) ?? false })
        daemon.signal(SIGKILL)

        let again = try daemon.restarted()
        #expect(again.banner.contains("restored  1 interrupted, 0 requeued, 1 paused, 0 pending"))
        let shownCut = try again.cli("show", cut)
        #expect(shownCut.stdout.contains("status      interrupted"), "show → exit \(shownCut.status)\n\(shownCut.stdout)\n\(shownCut.stderr)")
        #expect(try again.cli("show", paused).stdout.contains("status      paused"))
        #expect(try again.cli("resume", cut).status == 0)
        #expect(FixturePolling.eventually { (try? again.cli("show", cut).stdout.contains("status      running")) ?? false })
    }

    @Test("--durability power: the banner says so and a kill -9 keeps every acknowledged task; a bad level is refused")
    func powerDurability() throws {
        let daemon = try DaemonFixture(extraArguments: ["--durability", "power"])
        #expect(daemon.banner.contains("(durability: power)"))
        var ids: [String] = []
        for _ in 0..<5 {
            let started = try daemon.cli("start", "sleep", "-p", "seconds=60", "--delay", "1h")
            try #require(started.status == 0, "taskhost start failed: \(started.stderr)")
            ids.append(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        daemon.signal(SIGKILL)
        let again = try daemon.restarted()
        #expect(again.banner.contains("(durability: power)"))
        for id in ids {
            let shown = try again.cli("show", id)
            #expect(shown.stdout.contains("status      pending"), "show \(id) → exit \(shown.status)\n\(shown.stdout)\n\(shown.stderr)")
        }

        let refused = try runCommand(
            BuildProducts.taskhost.path, ["serve", "--home", daemon.home.path, "--durability", "fast"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--durability 'fast' must be one of: process, power"))
    }

    @Test("the OpenAPI document lists exactly the routes the router serves")
    func openAPIMatchesRoutes() throws {
        let fixture = try ManagerFixture()
        let api = ControlAPI(manager: fixture.manager, loader: fixture.loaderFixture.loader, home: fixture.home.path)
        let served = Set(api.router().routes.map { route in
            "\(route.method.rawValue.uppercased()) " + route.path.description.replacingOccurrences(
                of: #":([a-z]+)"#, with: "{$1}", options: .regularExpression)
        })
        let document = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any]
        let paths = try #require(document?["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } })
        #expect(served == documented, "served but undocumented: \(served.subtracting(documented)); documented but not served: \(documented.subtracting(served))")
    }
}
