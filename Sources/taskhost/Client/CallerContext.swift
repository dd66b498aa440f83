import Foundation
import TaskHost
import TaskKit

/// What a submit takes from the caller's side, not the host's: the directory relative paths mean
/// and the umask a command runs with.
enum CallerContext {
    /// The directory the CLI runs in.
    static var directory: String { FileManager.default.currentDirectoryPath }

    /// The caller's file mode creation mask, from /proc (setting and restoring it would change a
    /// process-wide value for a moment); the usual 0022 if the kernel does not say.
    static var umask: mode_t {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Umask:") }
        let digits = line.map { $0.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces) } ?? ""
        return ShellCommand.parseUmask(digits) ?? ShellCommand.defaultUmask
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
    static func resolvingPaths(
        _ parameters: [String: ParameterValue], type: String, client: ControlClient, known: [TaskTypeInfo]? = nil
    ) async throws -> [String: ParameterValue] {
        guard hasRelativeText(parameters) else { return parameters }
        let declared: [TaskTypeInfo]
        if type == ShellTask.name {
            declared = [TaskTypeInfo(ShellTask.self, plugin: "built-in", pluginVersion: "")]
        } else if let known {
            declared = known
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

    /// True when some text value could be a relative path.
    static func hasRelativeText(_ parameters: [String: ParameterValue]) -> Bool {
        parameters.contains { _, value in
            if case .string(let text) = value { !text.isEmpty && !text.hasPrefix("/") } else { false }
        }
    }

    /// True when a submit needs the caller's directory or umask filled in before it is sent.
    static func needsCaller(_ request: SubmitRequest) -> Bool {
        let shellDefaultsMissing = request.type == ShellTask.name && (request.parameters["cwd"] == nil || request.parameters["umask"] == nil)
        return shellDefaultsMissing || hasRelativeText(request.parameters)
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
