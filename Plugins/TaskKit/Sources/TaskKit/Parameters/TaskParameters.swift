/// A task's validated parameters, with typed accessors for `init(parameters:)`.
public struct TaskParameters: Sendable, Equatable, Codable {
    /// Every parameter by name, defaults filled in.
    public let values: [String: ParameterValue]

    /// Wraps already-validated values; use `ParameterSpec.validate` to build them from input.
    public init(_ values: [String: ParameterValue] = [:]) { self.values = values }

    /// Decodes from a JSON object of values.
    public init(from decoder: any Decoder) throws {
        values = try [String: ParameterValue](from: decoder)
    }

    /// Encodes as a JSON object of values.
    public func encode(to encoder: any Encoder) throws { try values.encode(to: encoder) }

    /// The raw value of `name`, if present.
    public subscript(name: String) -> ParameterValue? { values[name] }

    /// The text of a string, path or enum parameter; throws if absent or of another kind.
    public func string(_ name: String) throws -> String {
        guard case .string(let value)? = values[name] else { throw missing(name, "a string") }
        return value
    }

    /// The integer `name`; throws if absent or of another kind.
    public func int(_ name: String) throws -> Int64 {
        guard case .int(let value)? = values[name] else { throw missing(name, "an integer") }
        return value
    }

    /// The number `name` (integers widen); throws if absent or of another kind.
    public func double(_ name: String) throws -> Double {
        switch values[name] {
        case .double(let value)?: return value
        case .int(let value)?: return Double(value)
        default: throw missing(name, "a number")
        }
    }

    /// The boolean `name`; throws if absent or of another kind.
    public func bool(_ name: String) throws -> Bool {
        guard case .bool(let value)? = values[name] else { throw missing(name, "a boolean") }
        return value
    }

    private func missing(_ name: String, _ what: String) -> TaskError {
        TaskError("parameter '\(name)' is not \(what) (declare it in `parameters` with a default or as required)")
    }
}
