import CSQLite

/// An error reported by SQLite, with the result code and the statement or action that failed.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// SQLite's extended result code.
    public let code: Int32
    /// SQLite's message.
    public let message: String
    /// What taskhost was doing.
    public let context: String

    init(code: Int32, message: String, context: String) {
        self.code = code
        self.message = message
        self.context = context
    }

    init(_ connection: OpaquePointer?, code: Int32, context: String) {
        self.code = code
        self.message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        self.context = context
    }

    /// The primary result code (without the extended bits).
    public var primaryCode: Int32 { code & 0xFF }

    /// True for "the file is not a database" and "database disk image is malformed".
    public var isCorruption: Bool { primaryCode == SQLITE_NOTADB || primaryCode == SQLITE_CORRUPT }

    /// True when the disk or quota is full.
    public var isDiskFull: Bool { primaryCode == SQLITE_FULL }

    /// True when another connection (another program) held the database lock past the busy timeout.
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    /// True when the database cannot be written for a reason outside taskhost (full, read-only, I/O error).
    public var isNotWritable: Bool {
        primaryCode == SQLITE_FULL || primaryCode == SQLITE_READONLY || primaryCode == SQLITE_IOERR || primaryCode == SQLITE_CANTOPEN
    }

    /// For people.
    public var description: String { "\(context): \(message) (SQLite code \(code))" }

    /// The failure in the words every backend shares.
    var storageError: StorageError {
        let kind: StorageError.Kind =
            switch primaryCode {
            case SQLITE_BUSY, SQLITE_LOCKED: .busy
            case SQLITE_FULL: .full
            case SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN: .notWritable
            case SQLITE_CORRUPT, SQLITE_NOTADB: .corrupt
            case SQLITE_CONSTRAINT where message.contains("tasks.schedule_id"): .conflict(.scheduleFiring)
            case SQLITE_CONSTRAINT where message.hasPrefix("UNIQUE") || message.hasPrefix("PRIMARY KEY"): .conflict(.other)
            default: .other
            }
        return StorageError(kind, message: "\(message) (SQLite code \(code))", context: context)
    }
}

extension TaskHostError {
    /// A SQLite failure as the core reports it.
    static func sqlite(_ error: SQLiteError) -> TaskHostError { .storage(error.storageError) }

    /// A failure met while using SQLite that SQLite itself did not report.
    static func sqlite(_ error: any Error, context: String) -> TaskHostError {
        if let error = error as? TaskHostError { return error }
        if let error = error as? SQLiteError { return .sqlite(error) }
        return .storage(StorageError(.other, message: "\(error)", context: context))
    }
}
