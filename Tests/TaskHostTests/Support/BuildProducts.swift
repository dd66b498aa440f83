import Foundation

/// Paths of what `swift build` produced for this package, found from the running test binary.
enum BuildProducts {
    /// The repository root (two levels above this file's folder).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The directory holding the test bundle, the `taskhost` binary and the plugin `.so` files.
    static let directory: URL = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var candidate = executable.deletingLastPathComponent()
        // The test binary lives inside `<build>/taskhostPackageTests.xctest` or directly in `<build>`.
        while candidate.path != "/" {
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("libTaskKit.so").path) {
                return candidate
            }
            candidate = candidate.deletingLastPathComponent()
        }
        return repositoryRoot.appendingPathComponent(".build/debug")
    }()

    /// A built example or fixture plugin, e.g. `plugin("Sleep")` for `libSleepPlugin.so`.
    static func plugin(_ product: String) -> URL {
        let direct = directory.appendingPathComponent("lib\(product).so")
        if FileManager.default.fileExists(atPath: direct.path) { return direct }
        return directory.appendingPathComponent("lib\(product)Plugin.so")
    }

    /// The `taskhost` executable.
    static var taskhost: URL { directory.appendingPathComponent("taskhost") }

    /// The TaskKit C header directory, for C fixtures.
    static var taskKitHeaders: URL { repositoryRoot.appendingPathComponent("Plugins/TaskKit/Sources/CTaskKit/include") }
}

/// A fresh temporary directory, removed when the value is released.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init(_ label: String = "taskhost-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// A subdirectory, created with mode 0700.
    func directory(_ name: String) throws -> URL {
        let sub = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return sub
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Copies `file` into `directory` under `name` with mode 0644, as a user installing a plugin would.
@discardableResult
func install(_ file: URL, into directory: URL, as name: String? = nil) throws -> URL {
    let target = directory.appendingPathComponent(name ?? file.lastPathComponent)
    try? FileManager.default.removeItem(at: target)
    try FileManager.default.copyItem(at: file, to: target)
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: target.path)
    return target
}
