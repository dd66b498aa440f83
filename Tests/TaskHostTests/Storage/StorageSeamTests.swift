import Foundation
import Testing

/// The storage seam holds: SQL, SQLite's types and its errors live in the SQLite backend's folder
/// only, so a second backend plugs in behind the protocol without the core noticing.
@Suite("the storage seam")
struct StorageSeamTests {
    /// Source lines outside `Sources/TaskHost/Storage/SQLite/` that speak SQLite or SQL.
    static func leaks() throws -> [String] {
        let sources = BuildProducts.repositoryRoot.appendingPathComponent("Sources")
        let backend = sources.appendingPathComponent("TaskHost/Storage/SQLite").path + "/"
        let pattern = try Regex(#"SQLite|sqlite3_|CSQLite|\bSELECT\b|\bINSERT INTO\b|\bUPDATE [a-z_]+ SET\b|\bDELETE FROM\b|\bCREATE (TABLE|INDEX)\b|\bPRAGMA\b"#)
        var found: [String] = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift", !file.path.hasPrefix(backend) else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where line.contains(pattern) {
                found.append("\(file.path.dropFirst(sources.path.count + 1)):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        return found
    }

    @Test("the core's messages name no command or flag of a front end: each front end adds its own hints")
    func coreSpeaksNoFrontEnd() throws {
        let core = BuildProducts.repositoryRoot.appendingPathComponent("Sources/TaskHost")
        let pattern = try Regex(#"`taskhost |\(serve --|\(--[a-z]"#)
        var found: [String] = []
        let files = FileManager.default.enumerator(at: core, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            for (number, line) in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains(pattern) && !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                found.append("\(file.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }

    @Test("no SQL, SQLite type or SQLite error outside Sources/TaskHost/Storage/SQLite/")
    func noSQLOutsideTheBackend() throws {
        let leaks = try Self.leaks()
        #expect(leaks.isEmpty, "\(leaks.joined(separator: "\n"))")
    }
}
