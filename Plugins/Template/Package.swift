// swift-tools-version:6.0
// A taskhost plugin in its own package, exactly as a third party writes one.
// Copy this directory anywhere, point the TaskKit dependency at your taskhost checkout
// (or its git URL), then: swift build && cp .build/debug/libTemplatePlugin.so <taskhost>/plugins.d/
import PackageDescription

let package = Package(
    name: "TemplatePlugin",
    products: [
        // The plugin: a dynamic library. Do NOT ship the libTaskKit.so SwiftPM builds beside it.
        .library(name: "TemplatePlugin", type: .dynamic, targets: ["TemplatePlugin"])
    ],
    dependencies: [
        .package(path: "../TaskKit")
    ],
    targets: [
        .target(
            name: "TemplatePlugin",
            dependencies: [.product(name: "TaskKit", package: "TaskKit")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
