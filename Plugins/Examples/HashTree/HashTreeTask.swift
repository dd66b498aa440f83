import Crypto
import Foundation
import TaskKit

/// SHA-256 of every regular file under a directory, and one digest for the whole tree.
///
/// The tree digest chains `sha256(previous || path || 0 || fileDigest)` over files in sorted
/// order, so the saved state is three numbers and a hash: a paused or crashed run resumes
/// at the next file instead of starting over.
struct HashTreeTask: BaseTask {
    static let name = "hash-tree"
    static let summary = "SHA-256 every file under a directory; result: file count, bytes and a tree digest"
    static let parameters = [
        ParameterSpec("path", .path, required: true, help: "the directory to hash"),
        ParameterSpec("chunk-kb", .int, default: .int(1024), help: "read size; a checkpoint runs after each chunk"),
    ]
    static let settings = TaskTypeSettings(requeueOnInterrupt: true)

    struct State: Codable {
        var listingDigest: String
        var nextIndex: Int
        var bytes: Int64
        var chain: String
    }

    struct Output: Encodable, Sendable {
        let files: Int
        let bytes: Int64
        let digest: String
    }

    let root: URL
    let chunkSize: Int

    init(parameters: TaskParameters) throws {
        let path = try parameters.string("path")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TaskError("'\(path)' is not a directory; pass an existing directory as -p path=DIR")
        }
        let kilobytes = try parameters.int("chunk-kb")
        guard (4...65_536).contains(kilobytes) else { throw TaskError("chunk-kb must be 4...65536, got \(kilobytes)") }
        root = URL(fileURLWithPath: path).standardizedFileURL
        chunkSize = Int(kilobytes) * 1024
    }

    func run(context: TaskContext) throws -> Output {
        let files = try listFiles()
        let listingDigest = hex(SHA256.hash(data: Data(files.joined(separator: "\n").utf8)))
        var state = State(listingDigest: listingDigest, nextIndex: 0, bytes: 0, chain: "")
        if let saved = context.savedState(as: State.self) {
            if saved.listingDigest == listingDigest {
                state = saved
                context.log(.info, "resuming at file \(saved.nextIndex + 1) of \(files.count)")
            } else {
                context.log(.warning, "the directory changed since the saved state; starting over")
            }
        }
        context.progress(completed: Int64(state.nextIndex), total: Int64(files.count), message: "\(files.count) files")
        while state.nextIndex < files.count {
            let relative = files[state.nextIndex]
            let (digest, size) = try hashFile(root.appendingPathComponent(relative), context: context)
            var link = SHA256()
            link.update(data: Data(state.chain.utf8))
            link.update(data: Data(relative.utf8) + Data([0]) + Data(digest.utf8))
            state.chain = hex(link.finalize())
            state.bytes += size
            state.nextIndex += 1
            try context.saveState(state)
            context.progress(completed: Int64(state.nextIndex), total: Int64(files.count), message: relative)
        }
        return Output(files: files.count, bytes: state.bytes, digest: state.chain.isEmpty ? hex(SHA256.hash(data: Data())) : state.chain)
    }

    private func listFiles() throws -> [String] {
        let manager = FileManager.default
        guard let paths = manager.enumerator(atPath: root.path)?.allObjects as? [String] else {
            throw TaskError("cannot list '\(root.path)'; check it exists and is readable")
        }
        return paths.filter { relative in
            var info = stat()
            return lstat(root.appendingPathComponent(relative).path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }.sorted()
    }

    private func hashFile(_ url: URL, context: TaskContext) throws -> (String, Int64) {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw TaskError("cannot read '\(url.path)'; check its permissions")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let chunk = try handle.read(upToCount: chunkSize), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += Int64(chunk.count)
            try context.checkpoint()
        }
        return (hex(hasher.finalize()), size)
    }

    private func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
