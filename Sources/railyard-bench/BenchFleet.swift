import Foundation
import RailyardAdapters
import RailyardCore
import RailyardEngine
import RailyardPorts
import RailyardServer

/// One throw-away Railyard on this machine: a temporary state folder, a one-target config
/// (`bench`, one payin instance behind one built-in router) and an engine on it, brought up.
/// `tearDown` rolls back what is in flight, stops every process and removes the folder.
struct BenchFleet {
    static let actor = "railyard-bench"
    static let service = "payin"
    static let target = "bench"

    let folder: String
    let runtime: EngineRuntime
    var engine: RailyardEngine { runtime.engine }

    /// Steps of the one wave, as YAML list items (`deploy`, `setWeight: 10`, `pause: approval`, ...).
    static func start(railyard: String, label: String, steps: [String]) async throws -> BenchFleet {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("railyard-bench-\(label)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let configPath = folder + "/railyard.yml"
        try yaml(railyard: railyard, steps: steps).write(toFile: configPath, atomically: true, encoding: .utf8)
        let config: RailyardConfig
        do {
            config = try ConfigFile.load(path: configPath)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw BenchError("the bench's railyard.yml does not load: \(error)")
        }
        let engine = try await Composition.engine(config: config, paths: RailyardPaths(root: folder + "/state"),
                                                  routerCommand: [railyard, "router"])
        let fleet = BenchFleet(folder: folder, runtime: try await EngineRuntime.start(engine))
        do {
            try await engine.operations.up(actor: actor)
        } catch {
            await fleet.tearDown(keepFolder: true)
            throw BenchError("could not bring the bench fleet up: \(error) (state and logs kept in \(folder))")
        }
        return fleet
    }

    static func yaml(railyard: String, steps: [String]) -> String {
        """
        # Written by railyard-bench: one payin instance behind one router.
        services:
          \(service):
            kind: microservice
            command: "'\(railyard)' payments-demo --service \(service) --version {version} --port {port}"
            version: v1
            health: /health
            metrics: /metrics
            start_timeout: 20s
            instances: { \(target): 1 }

        environments:
          - name: \(target)

        deployment:
          waves:
            - name: bench
              target: \(target)
              steps:
        \(steps.map { "        - \($0)" }.joined(separator: "\n"))

        """
    }

    func routerRecord() async throws -> RouterRecord {
        guard let record = try await engine.fleet.routerRecord(for: Self.target) else {
            throw BenchError("no router recorded for \(Self.target)")
        }
        return record
    }

    func router() async throws -> any TrafficRouter {
        try await engine.fleet.router(for: Self.target)
    }

    /// Polls the stored rollout until `done` holds (`settle` is not used to wait for an approval: see the report).
    func waitFor(_ id: String, timeout: Duration = .seconds(60), what: String,
                 _ done: @Sendable (RolloutRecord) -> Bool) async throws -> RolloutRecord {
        let deadline = ContinuousClock.now + timeout
        while true {
            let record = try await engine.rollouts.rollout(id: id)
            if done(record) { return record }
            if record.phase.isTerminal {
                throw BenchError("rollout \(id) ended \(record.phase.rawValue) while waiting for \(what)" + (record.reason.map { ": \($0)" } ?? ""))
            }
            if ContinuousClock.now >= deadline {
                throw BenchError("rollout \(id) not \(what) after \(timeout) (phase \(record.phase.rawValue))")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Stops everything this fleet started. Runs in a task of its own, so it completes even
    /// when the bench itself was cancelled (Ctrl-C).
    func tearDown(keepFolder: Bool = false) async {
        let runtime = self.runtime
        await Task {
            do {
                try await runtime.engine.operations.down(actor: Self.actor)
            } catch {
                Progress.say("warning: railyard down failed: \(error); look for leftover processes (logs in \(folder)/state/logs)")
            }
            try? await runtime.stop()
            try? await runtime.engine.store.close()
        }.value
        if !keepFolder { try? FileManager.default.removeItem(atPath: folder) }
    }
}
