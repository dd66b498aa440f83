import Foundation
import TaskHost
import TaskKit

/// What a submit takes from the caller's side, not the host's: the directory relative paths mean
/// and the umask a command runs with.
enum CallerContext {
    /// The directory the CLI runs in.
    static var directory: String { FileManager.default.currentDirectoryPath }

    /// The caller's file mode creation mask (read by setting it and putting it back).
    static var umask: mode_t {
        let mask = Glibc.umask(0o022)
        _ = Glibc.umask(mask)
        return mask
    }

    /// `path` made absolute against the caller's directory (unchanged when already absolute or empty).
    static func absolute(_ path: String) -> String {
        guard !path.isEmpty, !path.hasPrefix("/") else { return path }
        return URL(fileURLWithPath: directory).appendingPathComponent(path).standardized.path
    }

    /// Parameters whose declared kind is `path` made absolute against the caller's directory, so
    /// `-p path=notes/big.txt` means the file next to the caller, not one next to the host. The
    /// host's declarations are read only when some value is relative; an unknown type is left for
    /// the host to refuse with its own words.
    static func resolvingPaths(_ parameters: [String: ParameterValue], type: String, client: ControlClient) async throws
        -> [String: ParameterValue]
    {
        let relative = parameters.contains { _, value in
            if case .string(let text) = value { !text.isEmpty && !text.hasPrefix("/") } else { false }
        }
        guard relative else { return parameters }
        let declared: [TaskTypeInfo]
        if type == ShellTask.name {
            declared = [TaskTypeInfo(ShellTask.self, plugin: "built-in", pluginVersion: "")]
        } else {
            declared = try await client.call(.GET, "/v1/types", as: TypeList.self).types
        }
        guard let info = declared.first(where: { $0.name == type }) else { return parameters }
        var resolved = parameters
        for spec in info.parameters where spec.kind == ParameterKind.path.description {
            if case .string(let text)? = parameters[spec.name] { resolved[spec.name] = .string(absolute(text)) }
        }
        return resolved
    }

    /// A shell task's caller-side defaults: the caller's directory and umask unless given.
    static func shellDefaults(_ parameters: inout [String: ParameterValue], umask given: String?) throws {
        if parameters["cwd"] == nil { parameters["cwd"] = .string(directory) }
        if let given {
            guard ShellCommand.parseUmask(given) != nil else {
                throw CLIError.usage("--umask '\(given.clippedForMessage)' must be an octal mask from 0 to 0777, like 0022")
            }
            parameters["umask"] = .string(given)
        } else if parameters["umask"] == nil {
            parameters["umask"] = .string(ShellCommand.umaskText(umask))
        }
    }
}
