import CSQLite
import Foundation
import Logging
import TaskHost

struct Figure: Encodable {
    let name: String
    let tasks: Int
    let runs: [Double]
    let medianSeconds: Double
    let machine: String
}

/// Prints a figure (any JSON-encodable value) as one pretty JSON object.
func printFigure(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Percentiles (nearest rank) of a sample, in the sample's unit.
struct Percentiles: Encodable {
    let count: Int
    let p50: Double
    let p99: Double
    let max: Double

    init(_ sample: [Double]) {
        let sorted = sample.sorted()
        count = sorted.count
        func rank(_ q: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Swift.max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
        }
        p50 = rank(0.5)
        p99 = rank(0.99)
        max = sorted.last ?? 0
    }
}

/// A scratch home with the example plugins from the build directory installed, and a loader over it.
struct Scratch {
    let home: URL
    let plugins: URL
    let loader: PluginLoader
    let logger: Logger

    init(label: String, plugins names: [String] = ["SleepPlugin"]) throws {
        var logger = Logger(label: "figures")
        logger.logLevel = .critical
        self.logger = logger
        home = FileManager.default.temporaryDirectory.appendingPathComponent("taskhost-figures-\(label)-\(getpid())")
        try? FileManager.default.removeItem(at: home)
        plugins = home.appendingPathComponent("plugins.d")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in names {
            let target = plugins.appendingPathComponent("lib\(name).so")
            try FileManager.default.copyItem(at: buildDirectory.appendingPathComponent("lib\(name).so"), to: target)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: target.path)
        }
        loader = PluginLoader(
            configuration: PluginLoaderConfiguration(pluginsDirectory: plugins, imageCacheDirectory: home.appendingPathComponent("images")),
            logger: logger)
    }

    var database: String { home.appendingPathComponent("taskhost.db").path }

    func remove() { try? FileManager.default.removeItem(at: home) }
}

/// Where this binary (and the plugins built with it) live.
let buildDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()

/// Resident set size of this process, kB.
func residentKilobytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
    return 0
}

/// Seconds of a Duration.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
func machineDescription() -> String {
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
    return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)"
}

func run(_ sql: String, on path: String) {
    var connection: OpaquePointer?
    sqlite3_open(path, &connection)
    sqlite3_busy_timeout(connection, 5000)
    let status = sqlite3_exec(connection, sql, nil, nil, nil)
    if status != SQLITE_OK {
        FileHandle.standardError.write(Data("sqlite: \(String(cString: sqlite3_errmsg(connection)))\n".utf8))
        exit(1)
    }
    sqlite3_close(connection)
}


/// A real `taskhost serve` on the scratch home (output discarded), once its socket exists; the caller ends it.
func startDaemon(_ scratch: Scratch) throws -> Process {
    let daemon = Process()
    daemon.executableURL = buildDirectory.appendingPathComponent("taskhost")
    daemon.arguments = ["serve", "--home", scratch.home.path, "--plugins", scratch.plugins.path]
    daemon.standardOutput = FileHandle.nullDevice
    daemon.standardError = FileHandle.nullDevice
    try daemon.run()
    let socket = scratch.home.appendingPathComponent("taskhost.sock").path
    let deadline = Date().addingTimeInterval(30)
    while !FileManager.default.fileExists(atPath: socket) {
        guard Date() < deadline, daemon.isRunning else {
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
            throw FigureError("the daemon did not start")
        }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return daemon
}
