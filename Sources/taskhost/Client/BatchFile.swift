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
        var requests: [(line: Int, request: SubmitRequest)] = []
        var problems: [String] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            do {
                requests.append((index + 1, try APICoding.decoder.decode(SubmitRequest.self, from: Data(text.utf8))))
            } catch {
                problems.append("line \(index + 1): not a task (\"type\", \"parameters\", \"options\"): \(Self.reason(error))")
            }
        }
        guard problems.isEmpty else { throw CLIError.failed(Self.summary(problems, file: path)) }
        guard !requests.isEmpty else { throw CLIError.failed("\(path) holds no tasks (one JSON object per line)") }
        var ids: [String] = []
        var created = 0
        for start in stride(from: 0, to: requests.count, by: BatchSubmitRequest.maxTasks) {
            let chunk = Array(requests[start..<min(start + BatchSubmitRequest.maxTasks, requests.count)])
            let response = try await client.send(.POST, "/v1/tasks/batch", json: try APICoding.encoder.encode(BatchSubmitRequest(tasks: chunk.map(\.request))))
            if response.status == 400, let body = try? APICoding.decoder.decode(ErrorBody.self, from: response.body), let items = body.error.items {
                let lines = items.map { "line \(chunk[min($0.index, chunk.count - 1)].line): \($0.message)" }
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
