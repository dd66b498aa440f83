import Foundation

/// Builds Swift packages the tests create (out-of-tree plugins), one build at a time, once each.
enum SwiftPackageFixture {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var built: [String: URL] = [:]
    private static let root: URL = FileManager.default.temporaryDirectory.appendingPathComponent("taskhost-fixture-builds-\(getpid())")

    /// Builds the package made by `make` (called with an empty directory) and returns `lib<product>.so`.
    static func build(_ key: String, product: String, make: (URL) throws -> Void) throws -> URL {
        try lock.withLock {
            if let library = built[key] { return library }
            let package = root.appendingPathComponent(key)
            try? FileManager.default.removeItem(at: package)
            try FileManager.default.createDirectory(at: package, withIntermediateDirectories: true)
            try make(package)
            var environment = ProcessInfo.processInfo.environment
            environment = environment.filter { !$0.key.hasPrefix("SWIFTPM_") && !$0.key.hasPrefix("XCTest") }
            let result = try runCommand(
                "/usr/bin/env", ["swift", "build", "--package-path", package.path, "--product", product],
                environment: environment)
            guard result.status == 0 else {
                throw FixtureError("swift build of \(key) failed (\(result.status)):\n\(result.stdout)\n\(result.stderr)")
            }
            let library = package.appendingPathComponent(".build/debug/lib\(product).so")
            built[key] = library
            return library
        }
    }

    /// Copies a directory tree.
    static func copyTree(_ source: URL, to destination: URL) throws {
        try? FileManager.default.removeItem(at: destination)
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: destination)
        try? FileManager.default.removeItem(at: destination.appendingPathComponent(".build"))
    }
}
