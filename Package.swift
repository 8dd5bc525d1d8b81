// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "splice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "splice", targets: ["SpliceCLI"]),
        .library(name: "HuaweiSigner", targets: ["HuaweiSigner"]),
    ],
    traits: [
        // Off by default: without it the benchmark framework is neither resolved nor built (`swift build`,
        // `swift test` and CI never see it), and `pipeline-bench` compiles to a stub. See Benchmarks/README.md.
        .trait(
            name: "Benchmarks",
            description: "Builds the pipeline microbenchmark (Benchmarks/pipeline-bench) with ordo-one/benchmark."
        )
    ],
    dependencies: [
        // swift-configuration (Hummingbird's default trait) is not used: keep the build smaller.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        // swift-certificates' DER parsing (`Certificate(derEncoded:)`) is declared there.
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // Bundles SQLite's amalgamation: no system libsqlite3 needed (GRDB would need one).
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Logic-less templates for the operator's page (`GET /console`): values are HTML-escaped by default.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // Only with the `Benchmarks` trait (its one use below is conditional, so it is otherwise not even resolved).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Hex and RFC 3986 percent-encoding over bytes: the one copy every module uses.
        .target(name: "SpliceEncoding", swiftSettings: swiftSettings),
        // Huawei AK/SK request signing: pure, depends on swift-crypto only.
        .target(
            name: "HuaweiSigner",
            dependencies: ["SpliceEncoding", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The contract, route files and provider dialects: no server, no HTTP client.
        .target(
            name: "SpliceCore",
            dependencies: [
                "HuaweiSigner",
                "SpliceEncoding",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // The state store behind idempotency and the ledger: embedded SQLite (the default).
        .target(
            name: "SpliceState",
            dependencies: [
                "SpliceCore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The gateway: Hummingbird server, AsyncHTTPClient upstream, lifecycle.
        .target(
            name: "SpliceServer",
            dependencies: [
                "SpliceCore",
                "SpliceEncoding",
                "SpliceState",
                "SpliceStatePostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL state store (several instances sharing one database): SpliceCore's `StateStore` over postgres-nio.
        .target(
            name: "SpliceStatePostgres",
            dependencies: [
                "SpliceCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Strict emulators of the five providers, for tests and `splice demo`.
        // Written independently of SpliceCore, so that they check the gateway rather than mirror it.
        .target(
            name: "ProviderEmulators",
            dependencies: [
                "HuaweiSigner",
                "SpliceEncoding",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SpliceCLI",
            dependencies: [
                "SpliceServer",
                "SpliceEncoding",
                "ProviderEmulators",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `/complete` pipeline without sockets, per provider (ns and mallocs per request). Inside this package so
        // that it reaches SpliceCore's `package` API; a stub unless built with `--traits Benchmarks`:
        //   swift package --traits Benchmarks --scratch-path .build-microbench benchmark --target pipeline-bench
        .executableTarget(
            name: "pipeline-bench",
            dependencies: [
                "SpliceCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Benchmark", package: "benchmark", condition: .when(traits: ["Benchmarks"])),
            ],
            path: "Benchmarks/pipeline-bench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HuaweiSignerTests",
            dependencies: ["HuaweiSigner"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SpliceCoreTests",
            dependencies: [
                "SpliceCore", .product(name: "JWTKit", package: "jwt-kit"), .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // Against a real PostgreSQL named by SPLICE_TEST_POSTGRES_URL (.ci/postgres.sh starts one).
        .testTarget(
            name: "SpliceStatePostgresTests",
            dependencies: [
                "SpliceStatePostgres",
                "SpliceCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SpliceStateTests",
            dependencies: ["SpliceState", "SpliceCore", .product(name: "SQLiteNIO", package: "sqlite-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProviderEmulatorsTests",
            dependencies: [
                "ProviderEmulators",
                "HuaweiSigner",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SpliceServerTests",
            dependencies: [
                "SpliceServer",
                "SpliceState",
                "SpliceStatePostgres",
                "HuaweiSigner",
                "ProviderEmulators",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
