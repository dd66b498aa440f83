import Foundation
import TaskHost
import TaskKit
import Testing

/// Plugins built in their own packages, outside this repository, as third parties build them.
@Suite("Out-of-tree plugin packages")
struct OutOfTreePluginTests {
    static let taskKitPackage = BuildProducts.repositoryRoot.appendingPathComponent("Plugins/TaskKit")

    @Test("the template package builds on its own and its type loads and runs its init")
    func templatePlugin() throws {
        let library = try SwiftPackageFixture.build("template", product: "TemplatePlugin") { package in
            try SwiftPackageFixture.copyTree(
                BuildProducts.repositoryRoot.appendingPathComponent("Plugins/Template"), to: package)
            let manifest = package.appendingPathComponent("Package.swift")
            let text = try String(contentsOf: manifest, encoding: .utf8)
                .replacingOccurrences(of: "\"../TaskKit\"", with: "\"\(Self.taskKitPackage.path)\"")
            try text.write(to: manifest, atomically: true, encoding: .utf8)
        }
        let fixture = try LoaderFixture()
        try install(library, into: fixture.plugins)
        let report = fixture.loader.scan()
        #expect(report.rejected.isEmpty, "\(report.rejected)")
        #expect(report.loaded.map(\.name) == ["template"])

        let text = fixture.temporary.url.appendingPathComponent("words.txt")
        try "one two three\nfour".write(to: text, atomically: true, encoding: .utf8)
        let type = try fixture.registry.lookup("count-words")
        let task: Any = try type.init(parameters: try type.parameters.validate(["file": .string(text.path)], typeName: type.name))
        #expect(task as? any BaseTask != nil)
    }

    @Test("a plugin that links TaskKit statically is refused as a private SDK copy")
    func staticTaskKit() throws {
        let library = try SwiftPackageFixture.build("static-sdk", product: "StaticSDKPlugin") { package in
            let sources = package.appendingPathComponent("Sources")
            try SwiftPackageFixture.copyTree(Self.taskKitPackage.appendingPathComponent("Sources/TaskKit"), to: sources.appendingPathComponent("TaskKit"))
            try SwiftPackageFixture.copyTree(Self.taskKitPackage.appendingPathComponent("Sources/CTaskKit"), to: sources.appendingPathComponent("CTaskKit"))
            let plugin = sources.appendingPathComponent("StaticSDKPlugin")
            try FileManager.default.createDirectory(at: plugin, withIntermediateDirectories: true)
            try """
            // swift-tools-version:6.0
            import PackageDescription
            let package = Package(
                name: "StaticSDKPlugin",
                products: [.library(name: "StaticSDKPlugin", type: .dynamic, targets: ["StaticSDKPlugin"])],
                targets: [
                    .target(name: "CTaskKit"),
                    // TaskKit as a sibling target: SwiftPM links it into the plugin statically.
                    .target(name: "TaskKit", dependencies: ["CTaskKit"], swiftSettings: [.swiftLanguageMode(.v6)]),
                    .target(name: "StaticSDKPlugin", dependencies: ["TaskKit"], swiftSettings: [.swiftLanguageMode(.v6)]),
                ]
            )
            """.write(to: package.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
            try """
            import TaskKit
            struct StaticTask: BaseTask {
                static let name = "static-task"
                init(parameters: TaskParameters) throws {}
                func run(context: TaskContext) throws -> EmptyOutput { EmptyOutput() }
            }
            @_cdecl("taskhost_plugin_v1")
            public func taskhostPlugin() -> UnsafeRawPointer {
                TaskPlugin.describe(name: "static-sdk", version: "0.0.1", types: [StaticTask.self])
            }
            """.write(to: plugin.appendingPathComponent("Plugin.swift"), atomically: true, encoding: .utf8)
        }
        let fixture = try LoaderFixture()
        try install(library, into: fixture.plugins)
        try fixture.add("Sleep")
        let report = fixture.loader.scan()
        #expect(fixture.rejection(library.lastPathComponent, in: report)?.code == "private_sdk_copy")
        #expect(report.loaded.map(\.name) == ["sleep"])
        #expect(throws: TaskTypeLookupError.self) { try fixture.registry.lookup("static-task") }
    }
}
