import CSQLite
import Foundation

/// Opens a database file for the store, refusing files that are not ours, newer or corrupt
/// before anything is written to them.
enum StoreOpener {
    /// How long a connection waits for a lock another holds (a backup, the sqlite3 shell).
    static let busyTimeoutMilliseconds = 5000

    /// Opens (creating if absent) and migrates the database at `path` for writing.
    static func openForWriting(_ path: String, durability: StoreDurability) throws(TaskHostError) -> SQLiteConnection {
        try checkHeader(path)
        do {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
            try verifyOwnership(connection, path: path)
            // WAL: readers never block on the writer. See StoreDurability for what each level survives.
            try connection.execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = \(durability.synchronousPragma); PRAGMA foreign_keys = OFF")
            try connection.execute("PRAGMA cache_size = -\(writerCacheKiB)")
            try migrate(connection)
            return connection
        } catch let error as TaskHostError {
            throw error
        } catch let error as SQLiteError {
            throw classify(error, path: path)
        } catch {
            throw .sqlite(error, context: "opening \(path)")
        }
    }

    /// The writer's page cache, in KiB (SQLite's default is 2,000). Every insert touches a random
    /// page of the task-id index; once the hot pages outgrow the cache each is read back from the
    /// file before it is written. The cache only grows as the database does.
    static let writerCacheKiB = 32_768

    /// Opens an existing, already migrated database for reading only (no host needed).
    /// `checkHeader` must be false once any connection of this process has the file open:
    /// closing a descriptor of the file drops all of the process's POSIX locks on it, and another
    /// program's SQLite would then think the WAL unused and delete it under the live writer.
    static func openForReading(_ path: String, checkHeader shouldCheckHeader: Bool = true) throws(TaskHostError) -> SQLiteConnection {
        if shouldCheckHeader { try checkHeader(path) }
        do {
            let connection = try SQLiteConnection(path: path, readOnly: true)
            try connection.execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
            try verifyOwnership(connection, path: path)
            return connection
        } catch let error as TaskHostError {
            throw error
        } catch let error as SQLiteError {
            throw classify(error, path: path)
        } catch {
            throw .sqlite(error, context: "opening \(path)")
        }
    }

    /// A non-empty file must start with SQLite's header, or it is not ours.
    private static func checkHeader(_ path: String) throws(TaskHostError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        guard !header.isEmpty else { return }
        guard header == Data("SQLite format 3\0".utf8) else { throw .notATaskhostDatabase(path: path) }
    }

    private static func verifyOwnership(_ connection: SQLiteConnection, path: String) throws {
        let application = try connection.integer("PRAGMA application_id")
        let version = Int(try connection.integer("PRAGMA user_version"))
        if application != StoreSchema.applicationID {
            let tables = try connection.integer("SELECT count(*) FROM sqlite_master")
            guard application == 0 && version == 0 && tables == 0 else { throw TaskHostError.notATaskhostDatabase(path: path) }
        }
        if version > StoreSchema.currentVersion {
            throw TaskHostError.databaseTooNew(path: path, version: version, supported: StoreSchema.currentVersion)
        }
    }

    private static func migrate(_ connection: SQLiteConnection) throws {
        let version = Int(try connection.integer("PRAGMA user_version"))
        guard version < StoreSchema.currentVersion else { return }
        try connection.transaction {
            for migration in StoreSchema.migrations[version...] { try connection.execute(migration) }
            try connection.execute(
                "PRAGMA application_id = \(StoreSchema.applicationID); PRAGMA user_version = \(StoreSchema.currentVersion)")
        }
    }

    private static func classify(_ error: SQLiteError, path: String) -> TaskHostError {
        error.isCorruption ? .databaseCorrupt(path: path, detail: error.message) : .sqlite(error)
    }
}
