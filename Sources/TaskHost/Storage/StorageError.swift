/// A storage backend's failure in words every backend shares: what kind of trouble it is (the
/// caller's policy follows from that), the backend's own message, and what was being done.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure: the host's answer (retry, degrade, refuse to start) depends on it.
    public enum Kind: Sendable, Equatable {
        /// Another writer holds the database past the wait allowed.
        case busy
        /// The disk or quota is full.
        case full
        /// The database cannot be written for another reason outside the host (read-only, I/O error, cannot open).
        case notWritable
        /// The stored data is damaged, or the file is not a database.
        case corrupt
        /// A uniqueness rule refused the write.
        case conflict(Constraint)
        /// What was to be changed does not exist.
        case notFound
        /// Anything else.
        case other
    }

    /// The uniqueness rules the core relies on.
    public enum Constraint: Sendable, Equatable {
        /// A schedule's firing time already has its task.
        case scheduleFiring
        /// Another uniqueness rule.
        case other
    }

    /// The kind of failure.
    public let kind: Kind
    /// The backend's message.
    public let message: String
    /// What the host was doing.
    public let context: String

    /// Creates an error.
    public init(_ kind: Kind, message: String, context: String) {
        self.kind = kind
        self.message = message
        self.context = context
    }

    /// True when the disk or quota is full.
    public var isDiskFull: Bool { kind == .full }

    /// True when another program held the database past the wait allowed.
    public var isBusy: Bool { kind == .busy }

    /// True when the database cannot be written for a reason outside the host (full included).
    public var isNotWritable: Bool { kind == .full || kind == .notWritable }

    /// For people.
    public var description: String { "\(context): \(message)" }
}
