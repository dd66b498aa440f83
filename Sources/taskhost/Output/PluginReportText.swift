import Foundation
import TaskHost

/// The human form of a plugin scan: one block per file, loaded or rejected.
struct PluginReportText {
    let report: PluginScanReport

    init(_ report: PluginScanReport) { self.report = report }

    func render() -> String {
        var out = "Plugins directory: \(report.directory)\n"
        if let problem = report.directoryProblem {
            return out + "  error: \(problem)\n"
        }
        let entries = report.loaded.map { ($0.file, Entry.loaded($0)) } + report.rejected.map { ($0.file, Entry.rejected($0)) }
        if entries.isEmpty { out += "  no *.so files\n" }
        for (file, entry) in entries.sorted(by: { $0.0 < $1.0 }) {
            let name = file.split(separator: "/").last.map(String.init) ?? file
            switch entry {
            case .loaded(let plugin):
                out += "  ok        \(name): plugin \(plugin.name) \(plugin.version) (TaskKit \(plugin.sdkVersion))\n"
                for type in plugin.types {
                    out += "              type \(type.name)" + (type.summary.isEmpty ? "" : " — \(type.summary)") + "\n"
                    for parameter in type.parameters { out += "                " + ParameterLine(parameter).render() + "\n" }
                }
            case .rejected(let rejection):
                out += "  rejected  \(name) [\(rejection.code)]: \(rejection.message)\n"
            }
        }
        for file in report.removed { out += "  removed   \(file)\n" }
        for warning in report.warnings { out += "  warning   \(warning)\n" }
        out += "\(report.loaded.count) loaded, \(report.rejected.count) rejected\n"
        return out
    }

    private enum Entry {
        case loaded(LoadedPlugin)
        case rejected(RejectedPlugin)
    }
}

/// One parameter as `name: kind = default (required) — help`.
struct ParameterLine {
    let parameter: ParameterInfo

    init(_ parameter: ParameterInfo) { self.parameter = parameter }

    func render() -> String {
        var line = "-p \(parameter.name)=<\(parameter.kind)>"
        if let fallback = parameter.defaultValue { line += " (default \(fallback))" }
        if parameter.required { line += " (required)" }
        if !parameter.help.isEmpty { line += "  \(parameter.help)" }
        return line
    }
}

/// `taskhost types` as text.
struct TypeListText {
    let types: [TaskTypeInfo]

    init(_ types: [TaskTypeInfo]) { self.types = types }

    func render() -> String {
        let width = types.map(\.name.count).max() ?? 0
        var out = ""
        for type in types {
            let padded = type.name.padding(toLength: width, withPad: " ", startingAt: 0)
            out += "\(padded)  \(type.summary)  [\(type.plugin) \(type.pluginVersion)]\n"
            for parameter in type.parameters {
                out += String(repeating: " ", count: width + 4) + ParameterLine(parameter).render() + "\n"
            }
        }
        if types.contains(where: { $0.parameters.contains { $0.kind == "path" } }) {
            out += "\nA relative path (-p path=notes/a.txt, -p cwd=site) means one in the directory you run taskhost in.\n"
        }
        return out
    }
}
