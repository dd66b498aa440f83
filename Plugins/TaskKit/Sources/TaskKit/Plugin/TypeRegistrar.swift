import Synchronization

/// Collects the task types a plugin registers; the host passes one to the plugin's register function.
public final class TypeRegistrar: Sendable {
    private let state = Mutex<(types: [any BaseTask.Type], failure: String?)>(([], nil))

    /// Creates an empty registrar.
    public init() {}

    /// Adds a task type.
    public func add(_ type: any BaseTask.Type) { state.withLock { $0.types.append(type) } }

    /// Adds several task types.
    public func add(_ types: [any BaseTask.Type]) { state.withLock { $0.types += types } }

    /// The types added so far, in order.
    public var types: [any BaseTask.Type] { state.withLock { $0.types } }

    /// Why registration failed, when the plugin's register closure threw.
    public var failure: String? { state.withLock { $0.failure } }

    /// Records a failed registration.
    public func fail(_ message: String) { state.withLock { $0.failure = message } }
}

/// The registration code a plugin hands to the host, kept alive for the life of the process.
public final class PluginRegistration: Sendable {
    private let register: @Sendable (TypeRegistrar) throws -> Void

    /// Wraps a register closure.
    public init(_ register: @escaping @Sendable (TypeRegistrar) throws -> Void) { self.register = register }

    /// Runs the closure; returns 0 on success or -1 after recording the error in `registrar`.
    public func run(into registrar: TypeRegistrar) -> Int32 {
        do {
            try register(registrar)
            return 0
        } catch {
            registrar.fail(String(describing: error))
            return -1
        }
    }
}
