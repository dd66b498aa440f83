import Foundation
import TaskHost
import TaskHostServer

/// Follows one task until it ends: a live progress bar on a terminal, plain lines otherwise.
struct TaskWaiter: Sendable {
    let client: ControlClient
    var json = false

    /// Returns the exit code of the task's outcome: 0 finished, 1 failed/stopped/interrupted.
    func wait(for idOrPrefix: String) async throws -> Int32 {
        let first = try await client.call(.GET, "/v1/tasks/\(queryValue(idOrPrefix))", as: TaskDetail.self).task
        let display = ProgressDisplay(interactive: isatty(STDOUT_FILENO) == 1, silent: json, id: first.id)
        if !first.status.isTerminal {
            display.show(first)
            try await follow(first.id, display: display)
        }
        let final = try await client.call(.GET, "/v1/tasks/\(first.id)", as: TaskDetail.self).task
        display.finish(final)
        if json { try printJSON(final) }
        return final.status == .finished ? ExitStatus.ok : ExitStatus.failed
    }

    /// Reads the task's SSE stream until a terminal status (or the host goes away).
    private func follow(_ id: String, display: ProgressDisplay) async throws {
        let parser = ServerSentEvents()
        do {
            try await client.exchange(.GET, "/v1/events?task=\(id)", timeout: nil) { chunk in
                for payload in parser.feed(chunk) {
                    display.update(payload)
                    if payload.kind == "deleted" || (payload.status?.isTerminal ?? false) { throw StreamDone() }
                }
            }
        } catch is StreamDone {
            return
        }
        // The stream also ends when the host shuts down: the task is then not finished here.
        let current = try await client.call(.GET, "/v1/tasks/\(id)", as: TaskDetail.self).task
        if !current.status.isTerminal {
            throw CLIError.failed("the host stopped while waiting; task \(Formatting.shortID(id)) is \(current.status.rawValue)")
        }
    }

    private struct StreamDone: Error {}
}

/// Splits a Server-Sent Events byte stream into decoded events.
final class ServerSentEvents: @unchecked Sendable {
    private var pending = ""
    private let lock = NSLock()

    func feed(_ chunk: Data) -> [EventPayload] {
        lock.withLock {
            pending += String(decoding: chunk, as: UTF8.self)
            var events: [EventPayload] = []
            while let end = pending.range(of: "\n\n") {
                let block = pending[..<end.lowerBound]
                pending.removeSubrange(..<end.upperBound)
                for line in block.split(separator: "\n") where line.hasPrefix("data: ") {
                    if let payload = try? APICoding.decoder.decode(EventPayload.self, from: Data(line.dropFirst(6).utf8)) {
                        events.append(payload)
                    }
                }
            }
            return events
        }
    }
}

/// Draws a task's progress: redrawn in place on a terminal, a line per change otherwise.
final class ProgressDisplay: @unchecked Sendable {
    private let interactive: Bool
    private let silent: Bool
    private let id: String
    private let lock = NSLock()
    private var lastStatus: TaskStatus?
    private var lastDecile = -1
    private var progress: TaskProgress?

    /// `silent`: print nothing (the caller prints JSON at the end).
    init(interactive: Bool, silent: Bool = false, id: String) {
        self.interactive = interactive && !silent
        self.silent = silent
        self.id = Formatting.shortID(id)
    }

    func show(_ task: TaskRecord) {
        guard !silent else { return }
        lock.withLock {
            progress = task.progress
            lastStatus = task.status
            draw(task.status)
        }
    }

    func update(_ payload: EventPayload) {
        guard !silent else { return }
        lock.withLock {
            if let progress = payload.progress { self.progress = progress }
            let status = payload.status ?? lastStatus ?? .running
            if interactive {
                draw(status)
            } else if status != lastStatus {
                print("\(id) \(status.rawValue)")
            } else if let fraction = progress?.fraction, Int(fraction * 10) != lastDecile {
                lastDecile = Int(fraction * 10)
                print("\(id) \(Formatting.progress(progress))")
            }
            lastStatus = status
            fflush(nil)
        }
    }

    func finish(_ task: TaskRecord) {
        guard !silent else { return }
        lock.withLock {
            progress = task.progress ?? progress
            if interactive {
                draw(task.status)
                print("")
            }
            var line = "\(id) \(task.status.rawValue)"
            if let error = task.error, task.status != .finished { line += ": \(error.message)" }
            if let result = task.result, task.status == .finished { line += "  \(result)" }
            print(line)
            fflush(nil)
        }
    }

    private func draw(_ status: TaskStatus) {
        guard interactive else {
            if status != lastStatus || lastDecile < 0 { print("\(id) \(status.rawValue)") }
            return
        }
        print("\r\u{1B}[K\(id) \(status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(Formatting.progressBar(progress))", terminator: "")
        fflush(nil)
    }
}
