// taskhost as a peer of the reference benchmark harness (shared/peers, "Adding a peer"):
//
//   taskhost-peer --peer NAME --workers N --db PATH --ack PATH     the host (stdin commands)
//   taskhost-peer inspect state|pending|status DB                   what the store holds
//
// TASKHOST_DURABILITY=power runs the store at synchronous=FULL, the level the Python peers use
// (default: process, synchronous=NORMAL, as `taskhost serve`).
//
// The host embeds the TaskHost library and loads the benchmark task types from a real
// plugin (libBenchPlugin.so next to this binary) through the normal plugin loader.
import Foundation
import Logging
import TaskHost

let processStart = peerMonotonic()

func peerMonotonic() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

/// One JSON line on stdout, unbuffered.
func emit(_ object: [String: Any]) {
    guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
    data.append(0x0A)
    FileHandle.standardOutput.write(data)
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("taskhost-peer: \(message)\n".utf8))
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "inspect" {
    guard arguments.count == 3 else { fail("usage: taskhost-peer inspect state|pending|status DB") }
    PeerInspect.run(arguments[1], database: arguments[2])
    exit(0)
}

var options: [String: String] = [:]
var index = 0
while index < arguments.count {
    let key = arguments[index]
    guard key.hasPrefix("--"), index + 1 < arguments.count else { fail("unexpected argument \(key)") }
    options[String(key.dropFirst(2)), default: ""] = arguments[index + 1]
    index += 2
}
guard let database = options["db"], let ackPath = options["ack"] else {
    fail("usage: taskhost-peer --peer NAME --workers N --db PATH --ack PATH")
}
let workers = Int(options["workers"] ?? "4") ?? 4
let durabilityName = ProcessInfo.processInfo.environment["TASKHOST_DURABILITY"] ?? StoreDurability.process.rawValue
guard let durability = StoreDurability(rawValue: durabilityName) else {
    fail("TASKHOST_DURABILITY='\(durabilityName)' must be one of: \(StoreDurability.allCases.map(\.rawValue).joined(separator: ", "))")
}
let imported = peerMonotonic()

var logger = Logger(label: "taskhost-peer")
logger.logLevel = .warning
let directory = URL(fileURLWithPath: database).deletingLastPathComponent()
let plugins = directory.appendingPathComponent("plugins.d")
do {
    try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    let plugin = plugins.appendingPathComponent("libBenchPlugin.so")
    if !FileManager.default.fileExists(atPath: plugin.path) {
        try FileManager.default.copyItem(at: binary.appendingPathComponent("libBenchPlugin.so"), to: plugin)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: plugin.path)
    }
} catch {
    fail("cannot install the benchmark plugin: \(error)")
}
let loader = PluginLoader(
    configuration: PluginLoaderConfiguration(
        pluginsDirectory: plugins, imageCacheDirectory: directory.appendingPathComponent("plugin-images")),
    logger: logger)
let scan = loader.scan()
guard scan.rejected.isEmpty, !scan.loaded.isEmpty else { fail("benchmark plugin did not load: \(scan.rejected)") }

let manager: TaskManager
do {
    manager = TaskManager(
        store: try TaskStore(path: database, durability: durability), registry: loader.registry,
        configuration: TaskManagerConfiguration(maxRunning: workers), logger: logger)
    try manager.start()
} catch {
    fail("\(error)")
}
let ready = peerMonotonic()
emit(["event": "ready", "role": "host", "pid": Int(getpid()), "t_start": processStart, "t_imported": imported, "t_ready": ready])

let ack = open(ackPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
guard ack >= 0 else { fail("cannot open ack log \(ackPath)") }

/// Writes an ack log record ("A", then 11, 18 and 18 zero-padded digits, then a newline) into
/// `record`, a reused 49-byte buffer: strings built per submit were a visible share of W1's
/// submitting thread.
func formatAck(_ record: inout [UInt8], number: Int64, called: Int64, returned: Int64) {
    func digits(_ value: Int64, at start: Int, width: Int) {
        var rest = UInt64(clamping: value)
        for place in stride(from: start + width - 1, through: start, by: -1) {
            record[place] = 0x30 + UInt8(rest % 10)
            rest /= 10
        }
    }
    record[0] = UInt8(ascii: "A")
    digits(number, at: 1, width: 11)
    digits(called, at: 12, width: 18)
    digits(returned, at: 30, width: 18)
    record[48] = UInt8(ascii: "\n")
}

func parameters(kind: String, number: Int64, extra: [String]) -> [String: ParameterValue] {
    var values: [String: ParameterValue] = ["i": .int(number)]
    if kind == "sleep" || kind == "asleep" {
        if let secs = extra.first.flatMap(Double.init) { values["secs"] = .double(secs) }
        if extra.count > 1, extra[1] != "-" { values["release"] = .string(extra[1]) }
    }
    return values
}

while let line = readLine() {
    let parts = line.split(separator: " ").map(String.init)
    guard let command = parts.first else { continue }
    switch command {
    case "enq":
        guard parts.count >= 5, let first = Int64(parts[2]), let count = Int64(parts[3]), let rate = Double(parts[4]) else {
            emit(["ok": false, "error": "bad enq"])
            continue
        }
        // `asleep` has no separate async form here: every task runs on its own thread.
        let kind = parts[1] == "asleep" ? "sleep" : parts[1]
        let extra = Array(parts.dropFirst(5))
        let t0 = peerMonotonic()
        var failure: String?
        var ackRecord = [UInt8](repeating: 0, count: 49)
        for k in 0..<count {
            if rate > 0 {
                let due = t0 + Int64(Double(k) * 1e9 / rate)
                let wait = due - peerMonotonic()
                if wait > 0 { usleep(useconds_t(wait / 1000)) }
            }
            let called = peerMonotonic()
            do {
                _ = try manager.submit(type: kind, parameters: parameters(kind: kind, number: first + k, extra: extra), actor: "bench")
            } catch {
                failure = error.description
                break
            }
            formatAck(&ackRecord, number: first + k, called: called, returned: peerMonotonic())
            _ = write(ack, ackRecord, ackRecord.count)
        }
        if let failure {
            emit(["ok": false, "error": failure])
        } else {
            emit(["ok": true, "t0": t0, "t1": peerMonotonic(), "n": count])
        }
    case "stats":
        let counts = (try? manager.store.countsByStatus()) ?? [:]
        emit(["ok": true, "self": PeerInspect.processStatus(), "peer": Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })])
    case "quit":
        manager.shutdown(grace: .seconds(10))
        emit(["ok": true])
        exit(0)
    default:
        emit(["ok": false, "error": "bad command \(command)"])
    }
}
manager.shutdown(grace: .seconds(10))
