import TaskKit

/// A registered task type as shown to users: `taskhost types`, the API, the scan report.
public struct TaskTypeInfo: Sendable, Codable, Equatable {
    /// The registry name.
    public let name: String
    /// The one-line summary.
    public let summary: String
    /// The declared parameters.
    public let parameters: [ParameterInfo]
    /// The type's defaults.
    public let settings: TaskTypeSettings
    /// The plugin providing it.
    public let plugin: String
    /// That plugin's version.
    public let pluginVersion: String

    /// The type as registered from `plugin` (a plugin name, or "built-in").
    public init(_ type: any BaseTask.Type, plugin: String, pluginVersion: String) {
        name = type.name
        summary = type.summary
        parameters = type.parameters.map(ParameterInfo.init)
        settings = type.settings
        self.plugin = plugin
        self.pluginVersion = pluginVersion
    }
}

/// One declared parameter, flattened for display and JSON.
public struct ParameterInfo: Sendable, Codable, Equatable {
    /// The key.
    public let name: String
    /// `string`, `int`, `double`, `bool`, `path` or `enum(a|b)`.
    public let kind: String
    /// The default, as text.
    public let defaultValue: String?
    /// Whether it must be given.
    public let required: Bool
    /// The help line.
    public let help: String

    init(_ spec: ParameterSpec) {
        name = spec.name
        kind = spec.kind.description
        defaultValue = spec.defaultValue?.description
        required = spec.required
        help = spec.help
    }
}
