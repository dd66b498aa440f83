/// Why a cron expression, time zone or schedule was refused; `message` names the field and the offending text.
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A one-line, human-readable explanation, e.g. `minute 61 is out of range 0-59`.
    public let message: String

    /// Wraps a ready-made message.
    public init(_ message: String) {
        self.message = message
    }

    /// The message itself, so the error reads well when interpolated or logged.
    public var description: String { message }

    /// User text as it may appear inside a message: at most 80 characters, control characters replaced,
    /// so a megabyte of garbage or an escape sequence cannot flood or corrupt a log line.
    static func clip(_ text: some StringProtocol) -> String {
        let limit = 80
        var result = ""
        var count = 0
        for character in text {
            if count == limit {
                // More than `limit` characters: the last kept one makes way for the ellipsis.
                result.removeLast()
                result.append("…")
                return result
            }
            let isControl = character.unicodeScalars.contains { $0.properties.generalCategory == .control }
            result.append(isControl ? "\u{FFFD}" : character)
            count += 1
        }
        return result
    }

    /// `clip(text)` between single quotes.
    static func quote(_ text: some StringProtocol) -> String {
        "'\(clip(text))'"
    }
}
