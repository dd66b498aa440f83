import Foundation
import TaskKit

/// A parameter as a request may give it. A JSON array or object becomes its JSON text, so
/// `{"argv": ["ls", "-l"]}` reaches the `shell` type as the string it declares.
struct RequestParameter: Decodable {
    let value: ParameterValue

    init(from decoder: any Decoder) throws {
        if let scalar = try? ParameterValue(from: decoder) {
            value = scalar
            return
        }
        let fragment = try JSONFragment(from: decoder)
        value = .string(String(decoding: try APICoding.encoder.encode(fragment), as: UTF8.self))
    }
}

/// Any JSON value, kept as it came (numbers as integers when they are).
indirect enum JSONFragment: Codable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONFragment])
    case object([String: JSONFragment])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONFragment].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONFragment].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
