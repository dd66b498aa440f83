/// A kind of background work a plugin provides, registered with the host under `name`.
///
/// Only `name`, `init(parameters:)` and `run(context:)` must be written; everything else
/// has a default. The host creates one instance per attempt and calls `pre`, `run` and
/// `post` on the task's own thread, so the hooks are synchronous and may block.
public protocol BaseTask: SendableMetatype {
    /// The JSON-encodable value `run` returns as the task's result.
    associatedtype Output: Encodable & Sendable = EmptyOutput

    /// The stable registry name, lowercase letters, digits and dashes (e.g. `hash-tree`).
    static var name: String { get }
    /// A one-line description shown by `taskhost types`.
    static var summary: String { get }
    /// The parameters the type accepts; the host validates input against them before storing a task.
    static var parameters: [ParameterSpec] { get }
    /// Per-type defaults the host applies (concurrency, retries, timeout, requeue).
    static var settings: TaskTypeSettings { get }

    /// Creates a run from validated parameters; throw `TaskError` with a clear message if they make no sense together.
    init(parameters: TaskParameters) throws

    /// Prepares the run; an error here fails the attempt without calling `run`.
    mutating func pre(context: TaskContext) throws
    /// Does the work, calling `context.checkpoint()` often so pause and stop take effect.
    mutating func run(context: TaskContext) throws -> Output
    /// Cleans up after the attempt whatever its outcome; called even after `run` threw.
    mutating func post(context: TaskContext, outcome: TaskOutcome)
}

extension BaseTask {
    /// No summary by default.
    public static var summary: String { "" }
    /// No parameters by default.
    public static var parameters: [ParameterSpec] { [] }
    /// Host defaults by default.
    public static var settings: TaskTypeSettings { TaskTypeSettings() }
    /// Nothing to prepare by default.
    public mutating func pre(context: TaskContext) throws {}
    /// Nothing to clean up by default.
    public mutating func post(context: TaskContext, outcome: TaskOutcome) {}
}

/// The result of a task that returns nothing; encodes as `{}`.
public struct EmptyOutput: Encodable, Sendable {
    /// Creates the empty result.
    public init() {}
}
