import Foundation
import RailyardAdapters
import RailyardPorts
import RailyardCore
import RailyardEngine
import RailyardServer
import Testing

/// One payin service under the rollout controller in-process, on a manual clock, with real instances
/// and routers in a temporary folder. The alert evaluator is not run as a service: its tests tick it.
struct EngineHarness {
    let folder: String
    let runtime: EngineRuntime
    let clock: ManualClock
    var engine: RailyardEngine { runtime.engine }

    static let scripts = """
        scripts:
          - name: 001-fee-column
            apply: apply.sh
            rollback: rollback.sh
        """

    /// `behaviour` is the demo's behaviour file (which version misbehaves); `command` replaces the
    /// service's command line; `extraConfig` is appended to railyard.yml (alerts, metrics).
    static func make(_ name: String, waves: String, scripts: String = "", behaviour: String = "payin: {}\n",
                     command: String? = nil, extraConfig: String = "", telemetry: EngineMetrics = EngineMetrics()) async throws -> EngineHarness {
        try await make(name, behaviour: behaviour, telemetry: telemetry) { folder in
            var text = RailyardBinary.singleServiceConfig(behaviour: folder + "/behaviour.yml", instances: "{ staging: 1, dc1: 1 }",
                                                          waves: waves, scripts: scripts)
            if let command { text = text.replacing(#/command: .*\n/#, with: "command: \(command)\n") }
            return text + "\n" + extraConfig
        }
    }

    /// A harness on the railyard.yml `configText` writes for the folder (its behaviour file is
    /// `FOLDER/behaviour.yml`, its scripts `apply.sh` and `rollback.sh`); runs the rollout and train controllers.
    static func make(_ name: String, behaviour: String, telemetry: EngineMetrics = EngineMetrics(),
                     configText: (String) -> String) async throws -> EngineHarness {
        let folder = try RailyardBinary.temporaryFolder(name)
        try behaviour.write(toFile: folder + "/behaviour.yml", atomically: true, encoding: .utf8)
        try "echo applied >> marker.txt\n".write(toFile: folder + "/apply.sh", atomically: true, encoding: .utf8)
        try "rm -f marker.txt; echo rolled-back > rollback-ran.txt\n".write(toFile: folder + "/rollback.sh", atomically: true, encoding: .utf8)
        let config = try ConfigLoader.parse(configText(folder), file: folder + "/railyard.yml", baseDirectory: folder)
        let clock = ManualClock()
        let engine = try await Composition.engine(config: config, paths: RailyardPaths(root: folder + "/state"),
                                                  routerCommand: [RailyardBinary.path, "router"], clock: clock, telemetry: telemetry)
        let harness = EngineHarness(folder: folder,
                                    runtime: try await EngineRuntime.start(engine, services: [engine.controller, engine.trainController]),
                                    clock: clock)
        do {
            try await engine.operations.up(actor: "test")
        } catch {
            try? await harness.finish()
            throw error
        }
        return harness
    }

    /// Runs `body` on a fresh harness and always takes it down (the store must be closed, and nothing
    /// may be left running), also when `body` throws.
    static func run(_ name: String, waves: String, scripts: String = "", behaviour: String = "payin: {}\n", command: String? = nil,
                    extraConfig: String = "", telemetry: EngineMetrics = EngineMetrics(), _ body: (EngineHarness) async throws -> Void) async throws {
        let harness = try await make(name, waves: waves, scripts: scripts, behaviour: behaviour, command: command, extraConfig: extraConfig,
                                     telemetry: telemetry)
        do {
            try await body(harness)
        } catch {
            try? await harness.finish()
            throw error
        }
        try await harness.finish()
    }

    /// Stops everything and closes the store, each step even when the one before failed; rethrows the
    /// first failure.
    func finish() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var failure: (any Error)?
        do { try await engine.operations.down(actor: "test") } catch { failure = failure ?? error }
        do { try await runtime.stop() } catch { failure = failure ?? error }
        do { try await engine.store.close() } catch { failure = failure ?? error }
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "nothing left running")
        if let failure { throw failure }
    }

    /// The same folder under a new engine, as after a restart of `railyard serve`: this one's controllers stopped
    /// and its store closed, its instances and routers left running for the new one to adopt.
    func restarted() async throws -> EngineHarness {
        // In `serve`'s order: its streams close first (`StreamCloser`), then the controllers stop.
        engine.feed.finishAll()
        try await runtime.stop()
        try await engine.store.close()
        let next = try await Composition.engine(config: engine.config, paths: RailyardPaths(root: folder + "/state"),
                                                routerCommand: [RailyardBinary.path, "router"], clock: clock, telemetry: EngineMetrics())
        return EngineHarness(folder: folder, runtime: try await EngineRuntime.start(next, services: [next.controller, next.trainController]),
                             clock: clock)
    }

    /// Polls (real time) until the rollout reaches `phase` or ends.
    func waitFor(_ id: String, _ phase: RolloutPhase) async throws -> RolloutRecord {
        for _ in 0..<1200 {
            let record = try await engine.rollouts.rollout(id: id)
            if record.phase == phase || record.phase.isTerminal { return record }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("rollout \(id) never reached \(phase)")
    }

    /// Polls (real time) until the controller of rollout `id` waits on the manual clock; fails at once
    /// when the rollout has ended instead.
    func waitUntilSleeping(rollout id: String) async throws {
        for _ in 0..<6000 {
            if clock.sleeperCount > 0 { return }
            let record = try await engine.rollouts.rollout(id: id)
            if record.phase.isTerminal { throw TestFailure("rollout \(id) ended (\(record.phase.rawValue): \(record.reason ?? "")) instead of waiting on the clock") }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("the controller never waited on the clock")
    }

    /// Polls (real time) until the train controller waits on the manual clock.
    func waitUntilSleeping(train id: String) async throws {
        for _ in 0..<6000 {
            if clock.sleeperCount > 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("the train controller never waited on the clock for \(id)")
    }

    func groups(_ target: String) async throws -> [GroupStats] {
        try await engine.fleet.router(for: target).snapshot().services["payin"] ?? []
    }

    func trafficURL(_ target: String) async throws -> String {
        try #require(try await engine.fleet.routerRecord(for: target)).trafficURL
    }
}
