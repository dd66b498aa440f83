/// Every problem found in a set of parameters, so a user can fix them all at once.
public struct ParameterValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The task type the parameters were for.
    public let typeName: String
    /// One line per problem: unknown, missing or ill-typed parameters.
    public let problems: [String]

    /// Creates the error.
    public init(typeName: String, problems: [String]) {
        self.typeName = typeName
        self.problems = problems
    }

    /// All problems, one per line.
    public var description: String {
        "invalid parameters for '\(typeName)':\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

extension Array where Element == ParameterSpec {
    /// Checks `input` against these specs, converting text (from a command line) to each declared
    /// kind and filling defaults; throws one error listing every unknown, missing or ill-typed parameter.
    public func validate(_ input: [String: ParameterValue], typeName: String) throws(ParameterValidationError)
        -> TaskParameters
    {
        var problems: [String] = []
        // Sized once: the values live as long as their task (every queued task holds them).
        var values: [String: ParameterValue] = Dictionary(minimumCapacity: count)
        let isKnown = { (name: String) in self.contains { $0.name == name } }
        for name in input.keys.sorted() where !isKnown(name) {
            let choices = map(\.name).sorted().joined(separator: ", ")
            problems.append("unknown parameter '\(name.clippedForMessage)' (known: \(choices.isEmpty ? "none" : choices))")
        }
        for spec in self {
            guard let given = input[spec.name] else {
                if let fallback = spec.defaultValue {
                    values[spec.name] = fallback
                } else if spec.required {
                    problems.append("missing required parameter '\(spec.name)' (\(spec.kind))")
                }
                continue
            }
            switch spec.kind.coerce(given) {
            case .success(let value): values[spec.name] = value
            case .failure(let reason): problems.append("parameter '\(spec.name)': \(reason)")
            }
        }
        guard problems.isEmpty else { throw ParameterValidationError(typeName: typeName, problems: problems) }
        return TaskParameters(values)
    }
}

/// Why a value does not fit a kind.
public struct ParameterCoercionFailure: Error, Sendable, CustomStringConvertible {
    /// The reason, e.g. "expected an int, got 'abc'".
    public let description: String
}

extension ParameterKind {
    /// Converts `value` to this kind, accepting text for every kind.
    public func coerce(_ value: ParameterValue) -> Result<ParameterValue, ParameterCoercionFailure> {
        func fail(_ expected: String) -> Result<ParameterValue, ParameterCoercionFailure> {
            .failure(ParameterCoercionFailure(description: "expected \(expected), got '\(value.description.clippedForMessage)'"))
        }
        switch (self, value) {
        case (.double, .double(let number)) where !number.isFinite:
            // JSON cannot hold NaN or infinities: such a value would be stored as null and never read back.
            return fail("a finite number")
        case (.string, .string), (.path, .string), (.int, .int), (.double, .double), (.bool, .bool):
            return .success(value)
        case (.path, _):
            return fail("a path")
        case (.string, _):
            return .success(.string(value.description))
        case (.double, .int(let number)):
            return .success(.double(Double(number)))
        case (.int, .double(let number)) where number.rounded() == number && abs(number) < 9e18:
            return .success(.int(Int64(number)))
        case (.int, .string(let text)):
            return Int64(text.trimmingWhitespace).map { .success(.int($0)) } ?? fail("an int")
        case (.double, .string(let text)):
            guard let number = Double(text.trimmingWhitespace) else { return fail("a number") }
            return number.isFinite ? .success(.double(number)) : fail("a finite number")
        case (.bool, .string(let text)):
            switch text.trimmingWhitespace.lowercased() {
            case "true", "yes", "1", "on": return .success(.bool(true))
            case "false", "no", "0", "off": return .success(.bool(false))
            default: return fail("true or false")
            }
        case (.choice(let options), _):
            let text = value.description
            return options.contains(text)
                ? .success(.string(text)) : fail("one of \(options.joined(separator: ", "))")
        case (.int, _): return fail("an int")
        case (.double, _): return fail("a number")
        case (.bool, _): return fail("true or false")
        }
    }
}

extension String {
    /// At most 80 characters for an error message, with the full size when cut.
    fileprivate var clippedForMessage: String {
        guard count > 80 else { return self }
        return String(prefix(60)) + "… (\(utf8.count) bytes)"
    }

    fileprivate var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
