import Foundation
import Testing

/// A real `taskhost serve` on a temporary home, driven with the real `taskhost` binary.
final class DaemonFixture: @unchecked Sendable {
    let files: LoaderFixture
    let process = Process()
    let port: Int?
    /// More `taskhost serve` options, kept across restarts.
    let extraArguments: [String]
    private let output = OutputBuffer()
    private let homeOverride: URL?
    var home: URL { homeOverride ?? files.home }

    init(http: Bool = false, workers: Int = 4, plugins: [String] = ["Sleep", "Flaky", "HashTree", "TestTasksFixture"], grace: String = "5s",
        extraArguments: [String] = [], home: URL? = nil
    ) throws {
        self.extraArguments = extraArguments
        homeOverride = home
        files = try LoaderFixture()
        for plugin in plugins { try files.add(plugin) }
        port = http ? Int.random(in: 20_000...60_000) : nil
        try start(workers: workers, grace: grace)
    }

    /// Starts (or restarts) the daemon on the same home and waits until it answers.
    func start(workers: Int = 4, grace: String = "5s") throws {
        var arguments = ["serve", "--home", home.path, "--plugins", files.plugins.path, "--slots", String(workers), "--grace", grace]
        if let port { arguments += ["--http", "127.0.0.1:\(port)"] }
        arguments += extraArguments
        process.executableURL = BuildProducts.taskhost
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let handle = pipe.fileHandleForReading
        let output = self.output
        Thread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                output.append(chunk)
            }
        }.start()
        let deadline = Date().addingTimeInterval(30)
        while !banner.contains("slots") {
            guard Date() < deadline, process.isRunning else { throw FixtureError("taskhost serve did not start:\n\(banner)") }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// What the daemon printed so far.
    var banner: String { String(decoding: output.data, as: UTF8.self) }

    /// Runs the real CLI against this home.
    func cli(_ arguments: String...) throws -> CommandResult { try cli(arguments) }

    func cli(_ arguments: [String], environment extra: [String: String] = [:]) throws -> CommandResult {
        var environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        environment["TASKHOST_HOME"] = home.path
        return try runCommand(BuildProducts.taskhost.path, arguments, in: files.temporary.url, environment: environment)
    }

    /// The bearer token the daemon made.
    var token: String {
        (try? String(contentsOf: home.appendingPathComponent("token"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// Sends a signal and waits for the process to end; returns how long that took.
    @discardableResult
    func signal(_ signal: Int32, timeout: TimeInterval = 30) -> TimeInterval {
        let start = Date()
        kill(process.processIdentifier, signal)
        while process.isRunning && Date().timeIntervalSince(start) < timeout { Thread.sleep(forTimeInterval: 0.01) }
        return Date().timeIntervalSince(start)
    }

    /// A fresh process object for a restart on the same home.
    func restarted(workers: Int = 4) throws -> DaemonFixture {
        try DaemonFixture(reusing: files, port: port, workers: workers, extraArguments: extraArguments, home: homeOverride)
    }

    private init(reusing files: LoaderFixture, port: Int?, workers: Int, extraArguments: [String], home: URL?) throws {
        self.files = files
        homeOverride = home
        self.port = port
        self.extraArguments = extraArguments
        try start(workers: workers)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Bytes appended by a reader thread.
final class OutputBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var storage = Data()
    func append(_ chunk: Data) { lock.withLock { storage.append(chunk) } }
    var data: Data { lock.withLock { storage } }
}
