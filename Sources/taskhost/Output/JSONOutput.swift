import Foundation
import TaskHost

/// Prints a value as pretty, key-sorted JSON (ISO 8601 dates) on standard output.
func printJSON<Value: Encodable>(_ value: Value) throws {
    let encoder = APICoding.encoder
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
