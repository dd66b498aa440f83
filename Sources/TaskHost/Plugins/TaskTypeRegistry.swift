import Synchronization
import TaskKit

/// Why a task type cannot be used for a new task.
public enum TaskTypeLookupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No loaded plugin provides the type.
    case unknownType(String, known: [String])
    /// The type was provided by a plugin file that has since been removed.
    case typeUnavailable(String, file: String)
    /// The host was started with the type turned off.
    case typeTurnedOff(String, reason: String)

    /// A stable code.
    public var code: String {
        switch self {
        case .unknownType: "unknown_type"
        case .typeUnavailable: "type_unavailable"
        case .typeTurnedOff: "type_turned_off"
        }
    }

    /// What went wrong and what to do.
    public var description: String {
        switch self {
        case .unknownType(let name, let known):
            "unknown task type '\(name.clippedForMessage)'"
                + (NearestName.suggestion(for: name, among: known).map { " (did you mean '\($0)'?)" } ?? "")
                + "; known types: \(known.isEmpty ? "none (no plugin is loaded)" : known.joined(separator: ", "))"
        case .typeUnavailable(let name, let file):
            "task type '\(name)' is no longer available: its plugin file \(file) was removed; put it back to start new tasks"
        case .typeTurnedOff(let name, let reason):
            "task type '\(name)' is turned off in this host: \(reason)"
        }
    }
}

/// The task types the host knows, by name, and which plugin file provides each.
///
/// Thread-safe. A type stays resolvable (through `registration`) for tasks already holding it
/// even after its plugin file is removed; only new lookups are refused.
public final class TaskTypeRegistry: Sendable {
    struct Registration: Sendable {
        let type: any BaseTask.Type
        let info: TaskTypeInfo
        let file: String
        /// The private copy the type was loaded from (a worker process loads the same bytes).
        let image: String?
        var available: Bool
    }

    private struct State {
        var types: [String: Registration] = [:]
        var lastScan: PluginScanReport?
        var observers: [@Sendable () -> Void] = []
        var turnedOff: [String: String] = [:]
    }

    private let state = Mutex(State())

    /// Creates an empty registry.
    public init() {}

    /// The type registered under `name`, for a new task.
    public func lookup(_ name: String) throws(TaskTypeLookupError) -> any BaseTask.Type {
        let found = state.withLock { state in (state.types[name], state.turnedOff[name]) }
        if let reason = found.1 { throw .typeTurnedOff(name, reason: reason) }
        guard let registration = found.0 else {
            throw .unknownType(name, known: state.withLock { $0.types.values.filter(\.available).map(\.info.name).sorted() })
        }
        guard registration.available else { throw .typeUnavailable(name, file: registration.file) }
        return registration.type
    }

    /// Registers a type that is part of the host (no plugin file), such as `shell`.
    public func registerBuiltIn(_ type: any BaseTask.Type) {
        let info = TaskTypeInfo(type, plugin: "built-in", pluginVersion: SDKBuildInfo.sdkVersion)
        try? commit([type], infos: [info], from: Self.builtInFile)
    }

    /// Refuses new tasks of `name` with `reason` (a built-in type the host was told not to offer).
    public func turnOff(_ name: String, reason: String) {
        state.withLock { $0.turnedOff[name] = reason }
    }

    /// What stands for the file of a built-in type.
    static let builtInFile = "(built into taskhost)"

    /// The private image the type `name` was loaded from, for a worker process (nil for types registered in code).
    public func image(of name: String) -> String? {
        state.withLock { $0.types[name]?.image }
    }

    /// True when a new task of `name` could start now.
    public func isAvailable(_ name: String) -> Bool {
        state.withLock { $0.types[name]?.available ?? false }
    }

    /// Every available type, sorted by name.
    public var types: [TaskTypeInfo] {
        state.withLock { $0.types.values.filter(\.available).map(\.info) }.sorted { $0.name < $1.name }
    }

    /// The report of the most recent scan, if any.
    public var lastScan: PluginScanReport? { state.withLock { $0.lastScan } }

    /// Calls `observer` (on the scanning thread) whenever types were added or removed.
    public func onChange(_ observer: @escaping @Sendable () -> Void) {
        state.withLock { $0.observers.append(observer) }
    }

    /// Registers all `types` from `file` or none: fails on the first name another available
    /// plugin file already provides. Types the same file provided before are replaced.
    func commit(_ types: [any BaseTask.Type], infos: [TaskTypeInfo], from file: String, image: String? = nil) throws(PluginRejection) {
        let conflict: (String, String)? = state.withLock { state in
            for info in infos {
                if let existing = state.types[info.name], existing.available, existing.file != file {
                    return (info.name, existing.file)
                }
            }
            for (name, registration) in state.types where registration.file == file {
                state.types[name] = nil
            }
            for (type, info) in zip(types, infos) {
                state.types[info.name] = Registration(type: type, info: info, file: file, image: image, available: true)
            }
            return nil
        }
        if let (name, other) = conflict { throw .duplicateType(name: name, registeredBy: other) }
        notify()
    }

    /// Refuses new tasks of every type `file` provided (its file is gone).
    func withdraw(file: String) {
        state.withLock { state in
            for (name, registration) in state.types where registration.file == file {
                state.types[name]?.available = false
            }
        }
        notify()
    }

    func record(_ report: PluginScanReport) { state.withLock { $0.lastScan = report } }

    private func notify() {
        for observer in state.withLock({ $0.observers }) { observer() }
    }
}
