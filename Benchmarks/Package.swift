// swift-tools-version:6.2
import PackageDescription

// Benchmarks live apart from the tests: a separate package that depends on the main one by path.
let package = Package(
    name: "splice-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "splice", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "signer-bench",
            dependencies: [.product(name: "HuaweiSigner", package: "splice")],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        ),
    ]
)
