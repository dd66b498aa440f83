import ArgumentParser
import TaskHost

/// `taskhost serve`'s size limits (README "Limits and bad input").
struct LimitOptions: ParsableArguments {
    @Option(name: .long, help: "Largest task result, as JSON (a larger one fails the attempt).")
    var maxResult = "1M"

    @Option(name: .long, help: "Largest parameter set of a task, as JSON.")
    var maxParameters = "64K"

    @Option(name: .long, help: "Most tags per task.")
    var maxTags = 32

    @Option(name: .long, help: "Longest tag key or value, in bytes.")
    var maxTagBytes = 256

    @Option(name: .long, help: "Longest log line (a longer one is cut and says so).")
    var maxLogLine = "64K"

    @Option(name: .long, help: "Largest saved state of a task (saveState throws past it).")
    var maxSavedState = "16M"

    /// The limits, or a usage error naming the flag.
    func taskLimits() throws -> TaskLimits {
        guard (0...10_000).contains(maxTags) else { throw ValidationError("--max-tags must be 0...10000, got \(maxTags)") }
        guard (1...65_536).contains(maxTagBytes) else { throw ValidationError("--max-tag-bytes must be 1...65536, got \(maxTagBytes)") }
        return TaskLimits(
            maxResultBytes: try ByteSizeParser.bytes(maxResult, flag: "--max-result", range: 16...(1 << 30)),
            maxParameterBytes: try ByteSizeParser.bytes(maxParameters, flag: "--max-parameters", range: 16...(16 << 20)),
            maxTags: maxTags, maxTagBytes: maxTagBytes,
            maxLogLineBytes: try ByteSizeParser.bytes(maxLogLine, flag: "--max-log-line", range: 64...(16 << 20)),
            maxSavedStateBytes: try ByteSizeParser.bytes(maxSavedState, flag: "--max-saved-state", range: 1024...(1 << 30)))
    }
}

/// "512", "64K", "1M", "1G" (1024-based), or with a trailing "B".
enum ByteSizeParser {
    static func bytes(_ text: String, flag: String, range: ClosedRange<Int>) throws -> Int {
        var digits = Substring(text.uppercased())
        if digits.hasSuffix("B") { digits = digits.dropLast() }
        var factor = 1
        if let unit = digits.last, let shift = ["K": 10, "M": 20, "G": 30][unit] {
            factor = 1 << shift
            digits = digits.dropLast()
        }
        guard let number = Int(digits), number >= 0 else {
            throw ValidationError("\(flag) '\(text.clippedForMessage)' is not a size (try 512, 64K, 1M)")
        }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: factor)
        guard !overflow, range.contains(bytes) else {
            throw ValidationError("\(flag) \(text) is out of range \(range.lowerBound)...\(range.upperBound) bytes")
        }
        return bytes
    }
}
