import Foundation

/// The outcome of running a real program.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs `statement` on `database` with the real sqlite3 shell; its output, trimmed. It waits up to
/// 5 s for a lock (a store just closed may still be checkpointing as its last connection goes),
/// and throws when the shell fails: a failed INSERT must not pass for an empty answer.
func sql(_ database: String, _ statement: String) throws -> String {
    let result = try runCommand("/usr/bin/env", ["sqlite3", "-cmd", ".timeout 5000", database, statement])
    guard result.status == 0 else { throw SQLShellError(statement: statement, status: result.status, stderr: result.stderr) }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The sqlite3 shell failed a statement.
struct SQLShellError: Error, CustomStringConvertible {
    let statement: String
    let status: Int32
    let stderr: String
    var description: String { "sqlite3 exited \(status) running \(statement.prefix(200)): \(stderr)" }
}

/// Runs `executable` with `arguments` to completion and captures its output; a run longer than
/// `timeout` seconds is killed (SIGKILL) and reported in stderr, so a hang fails a test instead of CI.
func runCommand(
    _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil,
    timeout: TimeInterval = 120
) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let timedOut = LockedBox(false)
    let pid = process.processIdentifier
    let watchdog = DispatchWorkItem {
        timedOut.set(true)
        kill(pid, SIGKILL)
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    // Read stderr on its own thread so a chatty child never blocks on a full pipe.
    let errorData = LockedBox(Data())
    let errorRead = DispatchSemaphore(value: 0)
    let errorHandle = err.fileHandleForReading
    Thread {
        errorData.set(errorHandle.readDataToEndOfFile())
        errorRead.signal()
    }.start()
    let outputData = out.fileHandleForReading.readDataToEndOfFile()
    errorRead.wait()
    process.waitUntilExit()
    watchdog.cancel()
    var stderr = String(decoding: errorData.get(), as: UTF8.self)
    if timedOut.get() { stderr += "\n[test harness: \(executable) \(arguments.joined(separator: " ")) killed after \(Int(timeout)) s]" }
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self), stderr: stderr)
}

/// Checks `condition` every `interval` seconds until it holds or `seconds` pass; returns whether it held.
@discardableResult
func eventually(within seconds: Double = 5, every interval: Double = 0.05, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    }
    return try condition()
}

/// A value shared between threads under a lock.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
    /// Read-modify-write under one lock (`set(get() + x)` from several threads loses updates).
    func update(_ change: (inout Value) -> Void) { lock.withLock { change(&value) } }
}

/// Compiles C source into a shared library with the system compiler.
func compileCSharedLibrary(_ source: String, to output: URL, defines: [String] = []) throws {
    let file = output.deletingPathExtension().appendingPathExtension("c")
    try source.write(to: file, atomically: true, encoding: .utf8)
    let result = try runCommand(
        "/usr/bin/env", ["cc", "-shared", "-fPIC", "-I", BuildProducts.taskKitHeaders.path] + defines + ["-o", output.path, file.path])
    guard result.status == 0 else { throw FixtureError("cc failed: \(result.stderr)") }
}

/// A fixture could not be prepared.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
