import Foundation
import TaskKit

/// Counts the words of a text file line by line, with progress and a checkpoint per line.
struct CountWordsTask: BaseTask {
    static let name = "count-words"
    static let summary = "Count the words of a text file"
    static let parameters = [
        ParameterSpec("file", .path, required: true, help: "the text file to read"),
        ParameterSpec("min-length", .int, default: .int(1), help: "ignore words shorter than this"),
    ]

    struct Output: Encodable, Sendable {
        let lines: Int
        let words: Int
    }

    let lines: [Substring]
    let minimumLength: Int

    init(parameters: TaskParameters) throws {
        let path = try parameters.string("file")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TaskError("cannot read '\(path)' as UTF-8 text")
        }
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        minimumLength = Int(try parameters.int("min-length"))
    }

    func run(context: TaskContext) throws -> Output {
        var words = 0
        for (index, line) in lines.enumerated() {
            try context.checkpoint()
            words += line.split(whereSeparator: \.isWhitespace).filter { $0.count >= minimumLength }.count
            context.progress(completed: Int64(index + 1), total: Int64(lines.count))
        }
        context.log(.info, "counted \(words) words")
        return Output(lines: lines.count, words: words)
    }
}
