/// A parameter's value as stored and passed to a task: a string, integer, double or boolean.
public enum ParameterValue: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// Text (also paths and enum choices).
    case string(String)
    /// A whole number.
    case int(Int64)
    /// A floating-point number.
    case double(Double)
    /// True or false.
    case bool(Bool)

    /// Decodes from a bare JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a parameter must be a string, number or boolean")
        }
    }

    /// Encodes as a bare JSON value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        }
    }

    /// The value as a person would type it.
    public var description: String {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .bool(let value): String(value)
        }
    }
}
