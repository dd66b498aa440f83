import Foundation
import TaskHost
import TaskKit
import Testing

@Suite("Loading real plugin .so files")
struct PluginLoadingTests {
    @Test("a good plugin loads and its type is the host's BaseTask (identity, not just layout)")
    func goodPluginIdentity() throws {
        let fixture = try LoaderFixture()
        try fixture.add("Sleep")
        let report = fixture.loader.scan()
        #expect(report.isClean)
        #expect(report.loaded.map(\.name) == ["sleep"])
        #expect(report.loaded.first?.types.map(\.name) == ["sleep"])

        let type = try fixture.registry.lookup("sleep")
        let parameters = try type.parameters.validate(["seconds": .string("0.5")], typeName: type.name)
        let instance: Any = try type.init(parameters: parameters)
        // A dynamic cast through `Any` consults the runtime's conformance records: it fails when
        // the plugin carries a private TaskKit (a different BaseTask protocol descriptor).
        #expect(instance as? any BaseTask != nil)
        let erasedType: Any.Type = type
        #expect(erasedType as? any BaseTask.Type != nil)
        #expect(String(describing: erasedType) == "SleepTask")
    }

    @Test("all example plugins load together and list their types and parameters")
    func examplesLoad() throws {
        let fixture = try LoaderFixture()
        for name in ["Sleep", "HashTree", "Flaky"] { try fixture.add(name) }
        let report = fixture.loader.scan()
        #expect(report.rejected.isEmpty)
        #expect(fixture.registry.types.map(\.name) == ["flaky", "hash-tree", "sleep"])
        let hashTree = try #require(fixture.registry.types.first { $0.name == "hash-tree" })
        #expect(hashTree.parameters.map(\.name) == ["path", "chunk-kb"])
        #expect(hashTree.parameters.first?.required == true)
        #expect(hashTree.settings.requeueOnInterrupt)
    }

    @Test("bad parameters are all listed in one error")
    func parameterValidation() throws {
        let fixture = try LoaderFixture()
        try fixture.add("Sleep")
        fixture.loader.scan()
        let type = try fixture.registry.lookup("sleep")
        let error = #expect(throws: ParameterValidationError.self) {
            try type.parameters.validate(["seconds": .string("soon"), "colour": .string("red")], typeName: "sleep")
        }
        #expect(error?.problems.count == 2)
        #expect(error?.description.contains("unknown parameter 'colour'") == true)
        #expect(error?.description.contains("parameter 'seconds': expected a number, got 'soon'") == true)
    }

    @Test("only *.so files are scanned, hidden files are skipped, order is sorted")
    func scanSelection() throws {
        let fixture = try LoaderFixture()
        try fixture.add("Sleep", as: "b-sleep.so")
        try fixture.add("Flaky", as: "a-flaky.so")
        try fixture.add("HashTree", as: ".hidden.so")
        try "notes".write(to: fixture.plugins.appendingPathComponent("README.txt"), atomically: true, encoding: .utf8)
        let report = fixture.loader.scan()
        #expect(report.loaded.map(\.name) == ["flaky", "sleep"])
        #expect(report.rejected.isEmpty)
    }

    @Test("a unknown type name is refused with the known types listed")
    func unknownType() throws {
        let fixture = try LoaderFixture()
        try fixture.add("Flaky")
        fixture.loader.scan()
        #expect(throws: TaskTypeLookupError.unknownType("nope", known: ["flaky"])) { try fixture.registry.lookup("nope") }
    }

    @Test("plugins load from private content-addressed copies in the home directory")
    func privateCopies() throws {
        let fixture = try LoaderFixture()
        try fixture.add("Sleep")
        let report = fixture.loader.scan()
        let hash = try #require(report.loaded.first?.contentHash)
        let copy = fixture.home.appendingPathComponent("plugin-images/\(hash).so")
        #expect(FileManager.default.contentsEqual(atPath: copy.path, andPath: BuildProducts.plugin("Sleep").path))
        // procfs files report size 0: read to the end rather than by size.
        let maps = String(decoding: FileHandle(forReadingAtPath: "/proc/self/maps")?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
        #expect(maps.contains(copy.path))
        #expect(!maps.contains(fixture.plugins.appendingPathComponent("libSleepPlugin.so").path))
    }
}
