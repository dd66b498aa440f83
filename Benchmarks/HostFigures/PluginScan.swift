import Foundation
import TaskHost

struct PluginScanFigure: Encodable {
    let name = "plugin-scan"
    let plugins: Int
    let coldScanMsPerPlugin: Double
    let unchangedRescanMsPerPlugin: Double
    let machine: String
}

/// Scan + load (hash, private copy, dlopen, handshake, register) per plugin, then a rescan of unchanged files.
func pluginScan() throws {
    let names = ["SleepPlugin", "HashTreePlugin", "FlakyPlugin", "TestTasksFixture"]
    let scratch = try Scratch(label: "plugins", plugins: names)
    defer { scratch.remove() }
    let clock = ContinuousClock()
    var start = clock.now
    let report = scratch.loader.scan()
    let cold = seconds(clock.now - start)
    guard report.loaded.count == names.count else { throw FigureError("plugins rejected: \(report.rejected)") }
    start = clock.now
    let rounds = 100
    for _ in 0..<rounds { scratch.loader.scan() }
    let rescan = seconds(clock.now - start) / Double(rounds)
    try printFigure(
        PluginScanFigure(
            plugins: names.count, coldScanMsPerPlugin: cold * 1000 / Double(names.count),
            unchangedRescanMsPerPlugin: rescan * 1000 / Double(names.count), machine: machineDescription()))
}

struct FigureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
