import Foundation
import Logging
import TaskHost

/// A plugins directory and host home in a temporary directory, with a loader over them.
final class LoaderFixture: @unchecked Sendable {
    let temporary: TemporaryDirectory
    let plugins: URL
    let home: URL
    let loader: PluginLoader

    init(allowInsecure: Bool = false) throws {
        temporary = try TemporaryDirectory("taskhost-plugins")
        plugins = try temporary.directory("plugins.d")
        home = try temporary.directory("home")
        var logger = Logger(label: "test.plugins")
        logger.logLevel = .critical
        loader = PluginLoader(
            configuration: PluginLoaderConfiguration(
                pluginsDirectory: plugins, imageCacheDirectory: home.appendingPathComponent("plugin-images"),
                allowInsecurePermissions: allowInsecure),
            logger: logger)
    }

    var registry: TaskTypeRegistry { loader.registry }

    /// Installs a built example/fixture plugin (`"Sleep"` → libSleepPlugin.so) into the plugins directory.
    @discardableResult
    func add(_ product: String, as name: String? = nil) throws -> URL {
        try install(BuildProducts.plugin(product), into: plugins, as: name)
    }

    /// The rejection reported for `fileName` by `report`, if any.
    func rejection(_ fileName: String, in report: PluginScanReport) -> RejectedPlugin? {
        report.rejected.first { $0.file.hasSuffix("/" + fileName) }
    }
}
