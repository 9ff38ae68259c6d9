import Foundation
import RailyardCore
import RailyardEngine
import RailyardPorts
import Testing

/// A port is chosen free, but another process may take it before the new process binds it: the start
/// is tried again on another port, said in the audit log, and given up after `Fleet.portAttempts` with
/// the process's own words.
@Suite struct FleetPortTakenTests {
    static let waves = """
            - name: staging
              target: staging
              steps: [deploy, promote]
        """

    /// Deploys payin v2 once the fleet is up, the next `taken` ports it is handed taken by someone else.
    static func deployV2(_ f: FakeEngine, portsTaken taken: Int) async throws -> RolloutRecord {
        try await f.engine.operations.up(actor: "test")
        f.driver.takeNextPorts(taken)
        return try await f.settle(try await f.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test").id)
    }

    @Test func anInstanceWhosePortWasTakenStartsOnAnother() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.waves))
        try await f.run {
            let ended = try await Self.deployV2(f, portsTaken: 2)
            #expect(ended.phase == .promoted, "\(ended.reason ?? "")")
            #expect(f.driver.alive("v2").count == 1, "exactly one v2 instance runs: the third attempt")
            let retries = try await f.engine.rollouts.history(subject: "payin").filter { $0.kind == "port.taken" }
            #expect(retries.map(\.message) == [
                "another process took the port before payin v2 in staging bound it; trying another port (attempt 2 of 3)",
                "another process took the port before payin v2 in staging bound it; trying another port (attempt 3 of 3)",
            ])
            let failed = try await f.store.instances(includeStopped: true).filter { $0.version == "v2" && $0.state == .failed }
            #expect(failed.count == 2, "each attempt is recorded, the two that lost their port as failed")
        }
    }

    @Test func aPortTakenEveryTimeFailsWithTheProcesssWords() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.waves))
        try await f.run {
            let ended = try await Self.deployV2(f, portsTaken: 3)
            #expect(ended.phase == .rolledBack)
            #expect(ended.reason?.contains("Address already in use") == true, "\(ended.reason ?? "")")
            #expect(f.driver.alive("v2").isEmpty)
        }
    }

    @Test func aRouterWhosePortWasTakenStartsOnAnother() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.waves))
        try await f.run {
            f.driver.takeNextPorts(1)
            try await f.engine.operations.up(actor: "test")
            #expect(f.driver.alive("router").count == 2, "one router a target, each on ports of its own")
            let routers = try await f.store.routers()
            #expect(routers.count == 2 && routers.allSatisfy { $0.running && $0.port != 20001 && $0.adminPort != 20001 })
            let retries = try await f.engine.rollouts.history(subject: nil).filter { $0.kind == "port.taken" }
            #expect(retries.count == 1 && retries.allSatisfy { $0.message.hasPrefix("another process took the port before the router of ") })
        }
    }
}
