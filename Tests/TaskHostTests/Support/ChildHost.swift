import Foundation

/// The real `taskhost-test-host` process, driven over stdin/stdout and killed with real signals.
final class ChildHost: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let lines = LockedBox<[String]>([])
    private var consumed = 0

    init(home: URL, plugins: URL, workers: Int = 4) throws {
        // Writing to a killed child's stdin must fail with EPIPE, not kill the test process.
        signal(SIGPIPE, SIG_IGN)
        process.executableURL = BuildProducts.directory.appendingPathComponent("taskhost-test-host")
        process.arguments = [home.path, plugins.path, String(workers)]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let lines = self.lines
        let handle = output.fileHandleForReading
        try process.run()
        Thread {
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    lines.update { $0.append(line) }
                }
            }
        }.start()
    }

    /// Sends one command line; false once the child is gone.
    @discardableResult
    func send(_ command: String) -> Bool {
        (try? input.fileHandleForWriting.write(contentsOf: Data((command + "\n").utf8))) != nil
    }

    /// The next unread line, waiting up to `timeout`.
    func nextLine(timeout: TimeInterval = 20) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let all = lines.get()
            if all.count > consumed {
                consumed += 1
                return all[consumed - 1]
            }
            Thread.sleep(forTimeInterval: 0.002)
        }
        throw FixtureError("test host sent no line within \(timeout) s (read so far: \(lines.get()))")
    }

    /// Sends a command and returns its answer.
    func ask(_ command: String) throws -> String {
        send(command)
        return try nextLine()
    }

    /// Submits and returns the acknowledged id.
    func submit(_ arguments: String) throws -> String {
        let answer = try ask("submit " + arguments)
        guard answer.hasPrefix("ack ") else { throw FixtureError("submit \(arguments) answered '\(answer)'") }
        return String(answer.dropFirst(4))
    }

    /// Polls `status ID` until `condition` holds for (status, progress).
    func waitUntil(_ id: String, timeout: TimeInterval = 20, _ condition: (String, Int) -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let parts = try ask("status \(id)").split(separator: " ")
            if parts.count == 3, condition(String(parts[1]), Int(parts[2]) ?? 0) { return }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw FixtureError("task \(id) did not reach the expected state within \(timeout) s")
    }

    /// SIGKILL, then reap.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// The lines read so far that start with `prefix`.
    func lines(startingWith prefix: String) -> [String] { lines.get().filter { $0.hasPrefix(prefix) } }
}
