import Foundation
import TaskHost
import TaskKit
import Testing

/// Each rejection is produced by a real bad file, and never stops the good plugins beside it.
@Suite("Rejecting bad plugin files")
struct PluginRejectionTests {
    /// A C plugin exporting a descriptor with the given fields.
    static func cDescriptorPlugin(magic: String, abi: String, toolchain: String, exportAnchor: Bool = false) -> String {
        """
        #include <stddef.h>
        #include "taskhost_plugin.h"
        static taskhost_plugin_descriptor descriptor = {
            \(magic), \(abi), sizeof(taskhost_plugin_descriptor), "1.0.0", "\(toolchain)", "c-fixture", "0.1", NULL, NULL
        };
        const taskhost_plugin_descriptor *taskhost_plugin_v1(void) { return &descriptor; }
        \(exportAnchor ? "int taskkit_sdk_anchor(void) { return 1; }" : "")
        """
    }

    func rejected(_ fileName: String, build: (URL) throws -> Void) throws -> RejectedPlugin? {
        let fixture = try LoaderFixture()
        try fixture.add("Sleep")
        try build(fixture.plugins.appendingPathComponent(fileName))
        let report = fixture.loader.scan()
        // The good plugin beside the bad one is always unaffected.
        #expect(report.loaded.map(\.name) == ["sleep"])
        #expect(fixture.registry.isAvailable("sleep"))
        return fixture.rejection(fileName, in: report)
    }

    @Test("a text file named x.so")
    func textFile() throws {
        let rejection = try rejected("x.so") { try "hello\n".write(to: $0, atomically: true, encoding: .utf8) }
        // Refused by the ELF check, before dlopen ever sees it.
        #expect(rejection?.code == "invalid_image")
        #expect(rejection?.message.contains("not an ELF file (6 bytes, no ELF header)") == true)
    }

    @Test("a C shared library without the descriptor symbol")
    func noSymbol() throws {
        let rejection = try rejected("plain.so") { try compileCSharedLibrary("int hello(void) { return 1; }", to: $0) }
        #expect(rejection?.code == "not_a_plugin")
        #expect(rejection?.message.contains("not a taskhost plugin") == true)
    }

    @Test("a library referencing TaskKit symbols this SDK lacks")
    func differentSDK() throws {
        let source = "extern void $s7TaskKit15VanishedSymbolyyF(void);\nvoid use(void) { $s7TaskKit15VanishedSymbolyyF(); }"
        let rejection = try rejected("old-sdk.so") { try compileCSharedLibrary(source, to: $0) }
        #expect(rejection?.code == "sdk_mismatch")
        #expect(rejection?.message.contains("built against a different TaskKit SDK; rebuild the plugin") == true)
    }

    @Test("a descriptor with the wrong magic")
    func badMagic() throws {
        let source = Self.cDescriptorPlugin(magic: "0xDEADBEEFULL", abi: "1", toolchain: SDKBuildInfo.toolchainID)
        let rejection = try rejected("magic.so") { try compileCSharedLibrary(source, to: $0) }
        #expect(rejection?.code == "bad_magic")
        #expect(rejection?.message.contains("0xdeadbeef") == true)
    }

    @Test("a descriptor from another ABI version names both versions")
    func abiMismatch() throws {
        let source = Self.cDescriptorPlugin(magic: "TASKHOST_PLUGIN_MAGIC", abi: "99", toolchain: SDKBuildInfo.toolchainID)
        let rejection = try rejected("abi.so") { try compileCSharedLibrary(source, to: $0) }
        #expect(rejection?.code == "abi_mismatch")
        #expect(rejection?.message.contains("plugin ABI version 99, host ABI version \(SDKBuildInfo.abiVersion)") == true)
        #expect(rejection?.message.contains("rebuild") == true)
    }

    @Test("a descriptor from another toolchain")
    func toolchainMismatch() throws {
        let source = Self.cDescriptorPlugin(
            magic: "TASKHOST_PLUGIN_MAGIC", abi: "TASKHOST_PLUGIN_ABI_VERSION", toolchain: "swift-5.9 x86_64-linux")
        let rejection = try rejected("toolchain.so") { try compileCSharedLibrary(source, to: $0) }
        #expect(rejection?.code == "toolchain_mismatch")
        #expect(rejection?.message.contains("swift-5.9 x86_64-linux") == true)
    }

    @Test("a plugin with its own anchor (a private SDK copy) is refused before registration")
    func privateAnchor() throws {
        let source = Self.cDescriptorPlugin(
            magic: "TASKHOST_PLUGIN_MAGIC", abi: "TASKHOST_PLUGIN_ABI_VERSION", toolchain: SDKBuildInfo.toolchainID,
            exportAnchor: true)
        let rejection = try rejected("anchor.so") { try compileCSharedLibrary(source, to: $0) }
        #expect(rejection?.code == "private_sdk_copy")
    }

    @Test("a register function that throws rejects the whole plugin with its message")
    func registerFails() throws {
        let rejection = try rejected("failing.so") { try FileManager.default.copyItem(at: BuildProducts.plugin("FailingRegisterFixture"), to: $0) }
        #expect(rejection?.code == "register_failed")
        #expect(rejection?.message.contains("config file /etc/failing-register.conf is missing") == true)
    }

    @Test("a second plugin with an already registered type name is rejected, the first kept")
    func duplicateTypeName() throws {
        let fixture = try LoaderFixture()
        try fixture.add("Sleep", as: "a-sleep.so")
        try fixture.add("DuplicateSleepFixture", as: "b-impostor.so")
        let report = fixture.loader.scan()
        let rejection = try #require(fixture.rejection("b-impostor.so", in: report))
        #expect(rejection.code == "duplicate_type")
        #expect(rejection.message.contains("'sleep'") && rejection.message.contains("a-sleep.so"))
        // The first registration is kept: the type is still the real SleepTask.
        let type: Any.Type = try fixture.registry.lookup("sleep")
        #expect(String(describing: type) == "SleepTask")
    }

    @Test("the same file installed twice under two names: the copy is a duplicate")
    func sameFileTwice() throws {
        let fixture = try LoaderFixture()
        try fixture.add("Flaky", as: "one.so")
        try fixture.add("Flaky", as: "two.so")
        let report = fixture.loader.scan()
        #expect(report.loaded.map(\.file).map { URL(fileURLWithPath: $0).lastPathComponent } == ["one.so"])
        #expect(fixture.rejection("two.so", in: report)?.code == "duplicate_type")
    }

    @Test("group/other-writable files and directories are refused unless explicitly allowed")
    func insecurePermissions() throws {
        let fixture = try LoaderFixture()
        let file = try fixture.add("Sleep")
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: file.path)
        let report = fixture.loader.scan()
        let rejection = try #require(fixture.rejection("libSleepPlugin.so", in: report))
        #expect(rejection.code == "insecure_permissions")
        #expect(rejection.message.contains("writable by group or others (mode 666)"))
        #expect(!fixture.registry.isAvailable("sleep"))

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: fixture.plugins.path)
        let directoryReport = fixture.loader.scan()
        #expect(directoryReport.directoryProblem?.contains("plugins directory") == true)
        #expect(directoryReport.loaded.isEmpty)

        let permissive = try LoaderFixture(allowInsecure: true)
        let permissiveFile = try permissive.add("Sleep")
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: permissiveFile.path)
        #expect(permissive.loader.scan().loaded.map(\.name) == ["sleep"])
    }

    @Test("a missing plugins directory is reported, not fatal")
    func missingDirectory() throws {
        let fixture = try LoaderFixture()
        try FileManager.default.removeItem(at: fixture.plugins)
        let report = fixture.loader.scan()
        #expect(report.directoryProblem != nil)
        #expect(!report.isClean)
    }
}
