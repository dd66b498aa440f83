import Foundation
import TaskHost
import TaskHostServer

/// `taskhost start --from-file`: a JSON-lines file of submits, sent 10,000 per request (each
/// request one transaction, all or none); problems are reported by line number.
struct BatchFile {
    let path: String
    let client: ControlClient
    let json: Bool

    func submit() async throws {
        let data: Data
        do {
            data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CLIError.failed("cannot read \(path): \(error.localizedDescription)")
        }
        // Every line is checked before anything is sent: a typo on line 90,000 must not leave 80,000 submitted.
        var tasks: [(line: Int, json: Data)] = []
        var callerSide: [(position: Int, request: SubmitRequest)] = []
        var problems: [String] = []
        for (index, raw) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let line = Self.trimmed(raw)
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            let json = Data(line)
            do {
                let request = try APICoding.decoder.decode(SubmitRequest.self, from: json)
                if CallerContext.needsCaller(request) { callerSide.append((tasks.count, request)) }
                tasks.append((index + 1, json))
            } catch {
                problems.append("line \(index + 1): not a task (\"type\", \"parameters\", \"options\"): \(Self.reason(error))")
            }
        }
        guard problems.isEmpty else { throw CLIError.failed(Self.summary(problems, file: path)) }
        guard !tasks.isEmpty else { throw CLIError.failed("\(path) holds no tasks (one JSON object per line)") }
        // Lines that leave the directory or umask to the caller, or give a relative path, get this
        // caller's, as `start` and `exec` do; the rest are sent as written.
        var declared: [TaskTypeInfo]?
        for (position, original) in callerSide {
            var request = original
            if declared == nil, request.type != ShellTask.name {
                declared = try await client.call(.GET, "/v1/types", as: TypeList.self).types
            }
            request.parameters = try await CallerContext.resolvingPaths(request.parameters, type: request.type, client: client, known: declared)
            if request.type == ShellTask.name { try CallerContext.shellDefaults(&request.parameters, umask: nil) }
            tasks[position].json = try APICoding.encoder.encode(request)
        }
        var ids: [String] = []
        var created = 0
        for chunk in Self.requests(tasks) {
            // The checked lines are sent as they are: decoding them again into a request would
            // spend more time than the host takes to store them.
            var body = Data(#"{"tasks":["#.utf8)
            for (position, task) in chunk.enumerated() {
                if position > 0 { body.append(UInt8(ascii: ",")) }
                body.append(task.json)
            }
            body.append(contentsOf: "]}".utf8)
            let response = try await client.send(.POST, "/v1/tasks/batch", json: body)
            if response.status == 400, let body = try? APICoding.decoder.decode(ErrorBody.self, from: response.body), let items = body.error.items {
                let lines = items.map { "line \(chunk[chunk.startIndex + min(max($0.index, 0), chunk.count - 1)].line): \($0.message)" }
                let done = ids.isEmpty ? "nothing was submitted" : "\(ids.count) tasks before it were submitted"
                throw CLIError.failed(Self.summary(lines, file: path) + " (\(done))")
            }
            try ControlClient.check(response)
            let result = try APICoding.decoder.decode(BatchSubmitResult.self, from: response.body)
            ids += result.ids
            created += result.created
        }
        if json {
            try printJSON(BatchSubmitResult(ids: ids, created: created))
        } else {
            for id in ids { print(id) }
        }
    }

    /// Requests of at most `BatchSubmitRequest.maxTasks` tasks and `maxRequestBytes` of JSON each.
    static func requests(_ tasks: [(line: Int, json: Data)]) -> [ArraySlice<(line: Int, json: Data)>] {
        var chunks: [ArraySlice<(line: Int, json: Data)>] = []
        var start = 0
        var bytes = 0
        for (index, task) in tasks.enumerated() {
            let full = index - start == BatchSubmitRequest.maxTasks || (index > start && bytes + task.json.count + 1 > maxRequestBytes)
            if full {
                chunks.append(tasks[start..<index])
                start = index
                bytes = 0
            }
            bytes += task.json.count + 1
        }
        if start < tasks.count { chunks.append(tasks[start...]) }
        return chunks
    }

    /// Half the host's limit on a batch's body, so large parameters only mean more requests.
    static let maxRequestBytes = RequestLimits.maxBatchBody / 2

    /// The line without the spaces, tabs and carriage return around it.
    private static func trimmed(_ line: Data.SubSequence) -> Data.SubSequence {
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
        guard let first = line.firstIndex(where: { !blank($0) }), let last = line.lastIndex(where: { !blank($0) }) else { return line[line.startIndex..<line.startIndex] }
        return line[first...last]
    }

    private static func summary(_ problems: [String], file: String) -> String {
        "\(problems.count) invalid task\(problems.count == 1 ? "" : "s") in \(file):\n  " + problems.prefix(20).joined(separator: "\n  ")
            + (problems.count > 20 ? "\n  … and \(problems.count - 20) more" : "")
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.keyNotFound(let key, _): "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }
}
