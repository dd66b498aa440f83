// swift-tools-version:6.0
import PackageDescription

let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]
// The SDK comes from its own package so the host and every plugin share ONE libTaskKit.so.
let taskKit: Target.Dependency = .product(name: "TaskKit", package: "TaskKit")

/// An example plugin: a `.dynamic` product built from `Plugins/Examples/<name>`.
func examplePlugin(_ name: String, extra: [Target.Dependency] = []) -> Target {
    .target(name: "\(name)Plugin", dependencies: [taskKit] + extra, path: "Plugins/Examples/\(name)", swiftSettings: swift6)
}

let package = Package(
    name: "taskhost",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "taskhost", targets: ["taskhost"]),
        .library(name: "TaskHost", targets: ["TaskHost"]),
        .library(name: "SleepPlugin", type: .dynamic, targets: ["SleepPlugin"]),
        .library(name: "HashTreePlugin", type: .dynamic, targets: ["HashTreePlugin"]),
        .library(name: "FlakyPlugin", type: .dynamic, targets: ["FlakyPlugin"]),
        // Misbehaves on request (fatal, segv, leak, spin, hang); built, not installed by the demo.
        .library(name: "ChaosPlugin", type: .dynamic, targets: ["ChaosPlugin"]),
        // Test fixtures: real plugins that must be rejected or that clash with the examples.
        .library(name: "DuplicateSleepFixture", type: .dynamic, targets: ["DuplicateSleepFixture"]),
        .library(name: "FailingRegisterFixture", type: .dynamic, targets: ["FailingRegisterFixture"]),
        .library(name: "TestTasksFixture", type: .dynamic, targets: ["TestTasksFixture"]),
        .library(name: "SameNameSleepFixture", type: .dynamic, targets: ["SameNameSleepFixture"]),
        .executable(name: "taskhost-test-host", targets: ["TestHost"]),
        .executable(name: "taskhost-figures", targets: ["HostFigures"]),
        .executable(name: "taskhost-peer", targets: ["PeerHost"]),
        .library(name: "BenchPlugin", type: .dynamic, targets: ["BenchPlugin"]),
    ],
    dependencies: [
        .package(path: "Plugins/TaskKit"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "CProcessShims"),
        .target(
            name: "TaskHost",
            dependencies: [
                taskKit, "CSQLite", "CProcessShims",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swift6
        ),
        .target(
            name: "TaskHostServer",
            dependencies: [
                "TaskHost",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.embedInCode("openapi.json")],
            swiftSettings: swift6
        ),
        .executableTarget(
            name: "taskhost",
            dependencies: [
                "TaskHost", "TaskHostServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swift6
        ),
        examplePlugin("Sleep"),
        examplePlugin("HashTree", extra: [.product(name: "Crypto", package: "swift-crypto")]),
        examplePlugin("Flaky"),
        examplePlugin("Chaos"),
        .target(name: "DuplicateSleepFixture", dependencies: [taskKit], path: "Tests/Fixtures/DuplicateSleep", swiftSettings: swift6),
        .target(name: "FailingRegisterFixture", dependencies: [taskKit], path: "Tests/Fixtures/FailingRegister", swiftSettings: swift6),
        .target(name: "TestTasksFixture", dependencies: [taskKit], path: "Tests/Fixtures/TestTasks", swiftSettings: swift6),
        .target(name: "SameNameSleepFixture", dependencies: [taskKit], path: "Tests/Fixtures/SameNameSleep", swiftSettings: swift6),
        .executableTarget(
            name: "TestHost", dependencies: ["TaskHost", taskKit, .product(name: "Logging", package: "swift-log")],
            path: "Tests/Fixtures/TestHost", swiftSettings: swift6),
        .executableTarget(
            name: "HostFigures", dependencies: ["TaskHost", "CSQLite", taskKit, .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/HostFigures", swiftSettings: swift6),
        .executableTarget(
            name: "PeerHost", dependencies: ["TaskHost", "CSQLite", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/PeerHost", swiftSettings: swift6),
        .target(name: "BenchPlugin", dependencies: [taskKit], path: "Benchmarks/BenchPlugin", swiftSettings: swift6),
        .testTarget(name: "TaskHostTests", dependencies: ["TaskHost", "TaskHostServer", taskKit], swiftSettings: swift6),
    ]
)
