import Foundation
import Logging
import RailyardCore
import RailyardEngine
import RailyardPorts
import ServiceLifecycle

/// The engine on fakes of every port and a manual clock, with its rollout controller running as a
/// service: the engine's logic in milliseconds, no process, no socket, no file.
struct FakeEngine {
    let engine: RailyardEngine
    let store: InMemoryStore
    let driver: FakeDriver
    let routers: FakeRouters
    let scripts: FakeScriptRunner
    let files: FakeScriptFiles
    let metrics: FakeMetricSource
    let clock: ManualClock
    let nightly: FakeNightlyRunner

    static let root = "/fake/state"

    static func config(waves: String, scripts: String = "") throws -> RailyardConfig {
        try ConfigLoader.parse("""
            services:
              payin:
                kind: microservice
                command: "payin --version {version} --port {port}"
                version: v1
                smoke: [/health]
                instances: { staging: 1, dc1: 2 }
            environments:
              - name: staging
              - name: production
                datacenters: [dc1]
            \(scripts)
            deployment:
              waves:
            \(waves)
            """, file: "railyard.yml", baseDirectory: "/fake")
    }

    init(config: RailyardConfig, unhealthy: Set<String> = [], failingScripts: Set<String> = [], store: InMemoryStore = InMemoryStore(),
         driver: FakeDriver? = nil, routers: FakeRouters = FakeRouters(), clock: ManualClock = ManualClock(),
         nightly: FakeNightlyRunner = FakeNightlyRunner(), drainTimeout: Duration = .seconds(30)) {
        self.nightly = nightly
        self.store = store
        self.driver = driver ?? FakeDriver(unhealthy: unhealthy)
        self.routers = routers
        self.scripts = FakeScriptRunner(failing: failingScripts)
        self.files = FakeScriptFiles()
        self.metrics = FakeMetricSource()
        self.clock = clock
        let ports = EnginePorts(store: store, driver: self.driver, routers: routers, scripts: scripts, scriptFiles: files, probe: FakeProbe(),
                                metrics: metrics, notifiers: [], clock: clock, paths: RailyardPaths(root: Self.root),
                                tokenHasher: FakeTokenHasher(), nightly: nightly)
        engine = RailyardEngine(config: config, ports: ports, stopGrace: .zero, drainTimeout: drainTimeout)
    }

    /// Runs `body` with the controller (or the given services) running, then shuts it down gracefully.
    func run(services: [any Service]? = nil, _ body: () async throws -> Void) async throws {
        var logger = Logger(label: "fake-engine")
        logger.logLevel = .critical
        // Reconciled and queued before `run`, as `railyard serve` does before its listener opens.
        try await engine.prepare()
        let group = ServiceGroup(configuration: .init(services: services ?? [engine.controller], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body()
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Waits until the rollout is settled (ended, waiting for a person, or no longer driven), listening
    /// to the change feed; a pause on the manual clock does not settle, so tests advance the clock.
    func settle(_ id: String) async throws -> RolloutRecord { try await engine.rollouts.settle(id: id) }

    /// Returns once the controller waits on the manual clock.
    func untilSleeping() async throws {
        for _ in 0..<10_000 where clock.sleeperCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
    }
}
