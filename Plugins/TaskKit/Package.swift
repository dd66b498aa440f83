// swift-tools-version:6.0
// TaskKit is the SDK plugins are written against. It is its own package so that the host
// and every plugin link ONE shared libTaskKit.so (see shared/design/plugin-abi.md): targets
// inside one package would get the SDK linked in statically and casts across the plugin
// boundary would then fail silently.
import PackageDescription

let package = Package(
    name: "TaskKit",
    products: [
        .library(name: "TaskKit", type: .dynamic, targets: ["TaskKit"])
    ],
    targets: [
        .target(name: "CTaskKit"),
        .target(
            name: "TaskKit",
            dependencies: ["CTaskKit"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
