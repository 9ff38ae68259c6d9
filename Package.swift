// swift-tools-version: 6.1
import PackageDescription

// Dependencies point downward only. `.ci/run` builds with
// `--explicit-target-dependency-import-check error`, so a module that imports a target it does not
// list here (the engine importing an adapter, say) fails to build.
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
        // Already part of Hummingbird's graph: controllers run as services of the server's ServiceGroup.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // Already part of the graph (through swift-certificates): SHA-256 of script files.
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        // Already part of the graph (ServiceLifecycle, Hummingbird): named for the engine tests' logger.
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // Railyard's own metrics and the demo fleet's: swift-metrics as the facade, Prometheus text out.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        // Ticket tracker exports (Jira, Linear) are read with a CSV library, not by hand.
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
    ],
    targets: [
        // Pure domain: config model and validation, rollout state machine, judges. No I/O.
        .target(name: "RailyardCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        // Every port protocol (store, driver, router, scripts, metric source, notifier, HTTP probe, clock)
        // and the records they exchange. No I/O.
        .target(name: "RailyardPorts", dependencies: ["RailyardCore"]),
        // One file per backend behind the ports, a factory per port.
        .target(name: "RailyardAdapters", dependencies: [
            "RailyardCore", "RailyardPorts",
            .product(name: "SQLiteKit", package: "sqlite-kit"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SwiftCSV", package: "SwiftCSV"),
        ]),
        // Controllers (durable state machines) run as services; they see ports only, never an adapter.
        .target(name: "RailyardEngine", dependencies: [
            "RailyardCore", "RailyardPorts",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // HTTP wire types and the typed client; imports no engine.
        .target(name: "RailyardAPI", dependencies: [
            "RailyardCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // The composition root (adapters chosen from config) and the HTTP API over the engine.
        .target(name: "RailyardServer", dependencies: [
            "RailyardCore", "RailyardPorts", "RailyardEngine", "RailyardAdapters", "RailyardAPI",
            .product(name: "Hummingbird", package: "hummingbird"),
            // TLS for `serve --tls-cert/--tls-key`; NIOSSL is already built for async-http-client.
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // Simulated canary traffic for the judge benchmark and the judges' tests; not in the product.
        .target(name: "RailyardSimulation", dependencies: ["RailyardCore"]),
        // The bundled payment fleet the demo and the tests deploy.
        .target(name: "PaymentsDemo", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .executableTarget(name: "railyard", dependencies: [
            "RailyardCore", "RailyardAPI", "RailyardServer", "RailyardAdapters", "PaymentsDemo", "RailyardSimulation",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], plugins: ["BuildInfo"]),
        // The commit `railyard version` reports, recorded at build time.
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .executableTarget(name: "railyard-bench", dependencies: [
            "RailyardCore", "RailyardPorts", "RailyardEngine", "RailyardServer", "RailyardAdapters", "RailyardSimulation", "PaymentsDemo",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "RailyardCoreTests", dependencies: ["RailyardCore", "RailyardSimulation"]),
        .testTarget(name: "RailyardAdaptersTests", dependencies: [
            "RailyardCore", "RailyardPorts", "RailyardAdapters", "PaymentsDemo",
            // To tamper with a store file the way an intruder would, behind the store's back.
            .product(name: "SQLiteKit", package: "sqlite-kit"),
        ], exclude: ["Fixtures"]),
        // The engine on in-memory fakes of every port: fast, no process, no socket.
        .testTarget(name: "RailyardEngineTests", dependencies: [
            "RailyardCore", "RailyardPorts", "RailyardEngine",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The CLI's text for people (what `rollout watch`, `status` and `scrape` print), on the executable module.
        .testTarget(name: "RailyardCLITests", dependencies: ["railyard", "RailyardCore", "RailyardAPI", "RailyardSimulation"]),
        .testTarget(name: "RailyardIntegrationTests", dependencies: [
            "RailyardCore", "RailyardPorts", "RailyardAdapters", "RailyardEngine", "RailyardServer", "RailyardAPI", "RailyardSimulation",
            "PaymentsDemo",
            .product(name: "Yams", package: "Yams"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "SQLiteKit", package: "sqlite-kit"),
        ]),
    ]
)
