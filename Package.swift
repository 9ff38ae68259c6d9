// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Railyard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "railyard", targets: ["railyard"]),
        .executable(name: "railyard-bench", targets: ["railyard-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.0"),
        // Already part of Hummingbird's graph; named so the server can shut down gracefully.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        // Pure domain: config model and validation, rollout state machine. No I/O.
        .target(name: "RailyardCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        // One protocol per port, a factory, one file per backend.
        .target(name: "RailyardAdapters", dependencies: [
            "RailyardCore",
            .product(name: "SQLiteKit", package: "sqlite-kit"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        // Durable state machines that call the ports.
        .target(name: "RailyardEngine", dependencies: ["RailyardCore", "RailyardAdapters"]),
        // HTTP API over the engine.
        .target(name: "RailyardServer", dependencies: [
            "RailyardEngine",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The bundled payment fleet the demo and the tests deploy.
        .target(name: "PaymentsDemo", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .executableTarget(name: "railyard", dependencies: [
            "RailyardServer", "PaymentsDemo",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .executableTarget(name: "railyard-bench", dependencies: [
            "RailyardEngine", "RailyardServer", "RailyardAdapters", "PaymentsDemo",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "RailyardCoreTests", dependencies: ["RailyardCore"]),
        .testTarget(name: "RailyardAdaptersTests", dependencies: ["RailyardAdapters", "PaymentsDemo"]),
        .testTarget(name: "RailyardEngineTests", dependencies: ["RailyardEngine"]),
        // The CLI's text for people (what `rollout watch`, `status` and `scrape` print), on the executable module.
        .testTarget(name: "RailyardCLITests", dependencies: ["railyard", "RailyardServer"]),
        .testTarget(name: "RailyardIntegrationTests", dependencies: [
            "RailyardCore", "RailyardAdapters", "RailyardEngine", "RailyardServer", "PaymentsDemo",
            .product(name: "Yams", package: "Yams"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
    ]
)
