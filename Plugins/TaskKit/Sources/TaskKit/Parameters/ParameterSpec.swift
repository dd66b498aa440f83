/// One parameter a task type declares: its name, kind, default and help.
public struct ParameterSpec: Sendable, Codable, Equatable {
    /// The key users pass (`-p name=value`).
    public let name: String
    /// What values are accepted.
    public let kind: ParameterKind
    /// Used when the parameter is not given.
    public let defaultValue: ParameterValue?
    /// A missing required parameter is an error (only meaningful without a default).
    public let required: Bool
    /// One line for `taskhost types`.
    public let help: String

    /// Declares a parameter.
    public init(
        _ name: String, _ kind: ParameterKind, default defaultValue: ParameterValue? = nil,
        required: Bool = false, help: String = ""
    ) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.required = required && defaultValue == nil
        self.help = help
    }
}

/// The kinds of values a parameter may take.
public enum ParameterKind: Sendable, Codable, Equatable, CustomStringConvertible {
    /// Any text.
    case string
    /// A whole number.
    case int
    /// A number.
    case double
    /// true/false (also yes/no, 1/0 from the command line).
    case bool
    /// A file-system path; relative paths are kept as given.
    case path
    /// One of a fixed set of strings.
    case choice([String])

    /// The kind as shown to users: `int`, `enum(fast|slow)`.
    public var description: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .double: "double"
        case .bool: "bool"
        case .path: "path"
        case .choice(let options): "enum(\(options.joined(separator: "|")))"
        }
    }
}
