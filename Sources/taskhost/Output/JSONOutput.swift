import Foundation
import TaskHost

/// Prints a value as pretty, key-sorted JSON (ISO 8601 dates) on standard output; an empty list
/// or object is printed on one line (`[]`, `{}`).
func printJSON<Value: Encodable>(_ value: Value) throws {
    print(try prettyJSON(value))
}

/// The text `printJSON` prints.
func prettyJSON<Value: Encodable>(_ value: Value) throws -> String {
    let encoder = APICoding.encoder
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let text = String(decoding: try encoder.encode(value), as: UTF8.self)
    // Inside a JSON string a line break is always escaped, so a bracket pair holding only real
    // line breaks and spaces is an empty list (or object) of the document's structure.
    return text.replacing(#/\[\s*\n\s*\]/#, with: "[]").replacing(#/\{\s*\n\s*\}/#, with: "{}")
}
