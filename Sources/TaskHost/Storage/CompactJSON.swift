import TaskKit

/// Encodes the small, flat JSON objects stored with every task (parameters, tags) without a
/// JSONEncoder: submit is the hot path and these are written once per task.
enum CompactJSON {
    static func object(_ values: [String: ParameterValue]) -> String {
        var out = "{"
        for (index, key) in values.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            out += quoted(key) + ":"
            switch values[key] {
            case .string(let text)?: out += quoted(text)
            case .int(let number)?: out += String(number)
            case .double(let number)?: out += number.isFinite ? "\(number)" : "null"
            case .bool(let flag)?: out += flag ? "true" : "false"
            case nil: out += "null"
            }
        }
        return out + "}"
    }

    static func object(_ values: [String: String]) -> String {
        if values.isEmpty { return "{}" }
        return "{" + values.keys.sorted().map { quoted($0) + ":" + quoted(values[$0] ?? "") }.joined(separator: ",") + "}"
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        // Most keys and values need no escape: one scan of the bytes, one append.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(control.value, radix: 16).count) + String(control.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
