import CSQLite
import Foundation

/// One connection to a SQLite file. Not thread-safe: each owner serializes its own use.
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String
    private var statements: [String: SQLiteStatement] = [:]
    private var keyedStatements: [UInt64: SQLiteStatement] = [:]
    private var walHookOwner: AnyObject?

    /// Opens `path`; `readOnly` never creates or writes the file.
    init(path: String, readOnly: Bool = false, create: Bool = true) throws(SQLiteError) {
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE
        flags |= readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0))
        var connection: OpaquePointer?
        let status = sqlite3_open_v2(path, &connection, flags, nil)
        guard status == SQLITE_OK, let connection else {
            let error = SQLiteError(connection, code: status, context: "opening \(path)")
            sqlite3_close_v2(connection)
            throw error
        }
        sqlite3_extended_result_codes(connection, 1)
        handle = connection
        self.path = path
    }

    deinit {
        if walHookOwner != nil { sqlite3_wal_hook(handle, nil, nil) }
        statements.removeAll()
        keyedStatements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Calls `hook` (with `owner` as its context) after every commit; replaces the automatic
    /// checkpoint. The connection keeps `owner` alive while the hook is set.
    func setWALHook(
        owner: AnyObject,
        _ hook: @escaping @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32
    ) {
        walHookOwner = owner
        sqlite3_wal_hook(handle, hook, Unmanaged.passUnretained(owner).toOpaque())
    }

    /// The OS errno behind the last failed call on this connection (0 if none).
    var systemErrno: Int32 { sqlite3_system_errno(handle) }

    /// Runs one or more statements without results.
    func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        guard status == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_free(message)
            throw SQLiteError(code: status, message: text, context: "running \(sql.prefix(60))")
        }
    }

    /// A prepared statement for `sql`, cached and reset for reuse.
    func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        let statement = try SQLiteStatement(connection: self, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// A prepared statement cached under `key` (a caller's compact name for SQL it builds), made
    /// from `sql()` the first time; reset for reuse.
    func statement(key: UInt64, sql: () -> String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = keyedStatements[key] {
            cached.reset()
            return cached
        }
        let statement = try SQLiteStatement(connection: self, sql: sql())
        keyedStatements[key] = statement
        return statement
    }

    /// Runs `sql` with `bindings` and returns every row, decoded by `row`.
    func query<Row>(_ sql: String, _ bindings: [SQLiteValue] = [], row: (SQLiteStatement) throws -> Row) throws -> [Row] {
        let statement = try statement(sql)
        // Reset on every path: a statement left on a row (a decode that threw) keeps its read
        // transaction open, and every later read on this connection would see that old snapshot.
        defer { statement.reset() }
        try statement.bind(bindings)
        var rows: [Row] = []
        while try statement.step() { rows.append(try row(statement)) }
        return rows
    }

    /// Runs `sql` with `bindings` and returns the number of changed rows.
    @discardableResult
    func run(_ sql: String, _ bindings: [SQLiteValue] = []) throws(SQLiteError) -> Int {
        try run(try statement(sql), bindings)
    }

    /// Runs a statement of this connection with `bindings` and returns the number of changed rows.
    @discardableResult
    func run(_ statement: SQLiteStatement, _ bindings: [SQLiteValue]) throws(SQLiteError) -> Int {
        defer { statement.reset() }
        try statement.bind(bindings)
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// A single integer from a PRAGMA or query.
    func integer(_ sql: String) throws(SQLiteError) -> Int64 {
        let statement = try statement(sql)
        // Reset at once: a statement left on a row keeps its read transaction open.
        defer { statement.reset() }
        guard try statement.step() else { return 0 }
        return statement.int64(0)
    }

    /// Runs `body` in a transaction (BEGIN IMMEDIATE so writers never deadlock), rolling back on error.
    func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// The rowid of the last row `connection` inserted.
func sqlite3LastInsertRowID(_ connection: SQLiteConnection) -> Int64 {
    sqlite3_last_insert_rowid(connection.handle)
}
