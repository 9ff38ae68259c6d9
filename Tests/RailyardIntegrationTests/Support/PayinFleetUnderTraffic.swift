import Foundation
import PaymentsDemo
import RailyardAdapters
import Testing

/// A payin fleet (`instances`, `behaviour`) under a real `railyard serve`, up, with pay-ins flowing back to
/// back through the dc1 router (`loops` senders): where the analysis tests start. The caller removes
/// `folder` when done.
struct PayinFleetUnderTraffic {
    let folder: String
    let config: String
    let state: String
    let port: Int
    var server: ServerProcess
    let traffic: PaymentTraffic
    let sender: Task<Void, Never>

    /// One canary wave in dc1 at 50%: deploy, one analysis (a look a second, up to 2 minutes) of `metrics` (one
    /// YAML flow mapping each), promote.
    static func analysisWave(metrics: [String]) -> String {
        """
            - name: canary
              target: dc1
              steps:
                - deploy
                - setWeight: 50
                - analysis:
                    interval: 1s
                    max_duration: 2m
                    metrics:
        \(metrics.map { "              - \($0)" }.joined(separator: "\n"))
                - promote
        """
    }

    static func start(_ name: String, waves: String, behaviour: String = "payin: {}\n", instances: String = "{ dc1: 2 }",
                      loops: Int = 2) async throws -> PayinFleetUnderTraffic {
        let folder = try RailyardBinary.temporaryFolder(name)
        let config = try RailyardBinary.writePayinFleet(in: folder, instances: instances, waves: waves, behaviour: behaviour)
        let state = folder + "/state", port = try FreePort.next()
        let server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
        try await server.waitReady()
        let status = try await server.call("POST", "fleet/up")
        let router = try #require(routerURL(status, target: "dc1"))
        let traffic = PaymentTraffic(routers: [router])
        let sender = Task { await traffic.run(loops: loops, interval: .zero) }
        return PayinFleetUnderTraffic(folder: folder, config: config, state: state, port: port, server: server, traffic: traffic, sender: sender)
    }

    /// Starts a rollout of payin `version`; its id.
    func deploy(_ version: String) async throws -> String {
        let rollout = try await server.call("POST", "rollouts", body: #"{"service":"payin","version":"\#(version)"}"#)
        return try #require(rollout["id"] as? String)
    }

    /// SIGKILL of the server, checked gone, and a new one on the same state and port.
    mutating func killAndRestart() async throws {
        server.killHard()
        #expect(await RailyardBinary.serversLeft(config: config).isEmpty)
        server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
        try await server.waitReady()
    }

    func stopTraffic() async {
        sender.cancel()
        await sender.value
    }

    /// How a rollout ended, read before the fleet went down.
    struct Ended {
        /// The rollout when it reached promoted or rolled_back; empty if it did not within the timeout.
        var rollout: [String: Any]
        /// Its last analysis, with its looks (`analysis`, `looks`); empty when it ran none.
        var report: [String: Any]
        /// Processes of `version` of this fleet still running after the traffic stopped (`ps`).
        var left: [Int32]

        var reason: String { rollout["reason"] as? String ?? "" }
        var analysis: [String: Any] { report["analysis"] as? [String: Any] ?? [:] }
        var looks: [[String: Any]] { report["looks"] as? [[String: Any]] ?? [] }
    }

    /// Waits up to `timeout` for rollout `id` to end, reads its last analysis, stops the traffic, notes which
    /// processes of `version` still run, and takes the fleet and the server down.
    func end(_ id: String, version: String, timeout: Duration) async throws -> Ended {
        let rollout = (try? await server.waitForPhase(id, ["promoted", "rolled_back"], timeout: timeout)) ?? [:]
        let analyses = try await server.call("GET", "rollouts/\(id)/analyses")["items"] as? [[String: Any]] ?? []
        // A wave without an analysis step has none to read.
        var report: [String: Any] = [:]
        if let last = analyses.last { report = try await server.call("GET", "analyses/\(last["id"] as? String ?? "")") }
        if rollout.isEmpty { Issue.record("rollout \(id) did not end in \(timeout); its last analysis: \(analyses.last ?? [:])") }
        await stopTraffic()
        let ours = Set(RailyardBinary.processes(mentioning: folder))
        let left = RailyardBinary.processes(mentioning: "--version \(version) ").filter(ours.contains)
        _ = try? await server.call("POST", "fleet/down")
        await server.exited()
        return Ended(rollout: rollout, report: report, left: left)
    }
}
