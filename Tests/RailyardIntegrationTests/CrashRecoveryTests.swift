import Foundation
import PaymentsDemo
import RailyardAdapters
import RailyardPorts
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Kills `railyard serve` with SIGKILL in the middle of a canary and checks that payments kept
/// flowing while it was down and that the restarted server ends the rollout consistent.
@Suite(.serialized, .fleet) struct CrashRecoveryTests {
    static let waves = """
            - name: canary
              target: dc1
              steps: [deploy, setWeight: 30, pause: approval, promote]
            - name: dc2
              target: dc2
              steps: [deploy, promote]
        """

    @Test func killedDuringCanaryKeepsTrafficAndResumes() async throws {
        let folder = try RailyardBinary.temporaryFolder("crash")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = try RailyardBinary.writePayinFleet(in: folder, waves: Self.waves)
        let state = folder + "/state", port = try FreePort.next()

        var server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
        try await server.waitReady()
        let status = try await server.call("POST", "fleet/up")
        let dc1Router = try #require(routerURL(status, target: "dc1"))
        let rollout = try await server.call("POST", "rollouts", body: #"{"service":"payin","version":"v2"}"#)
        let id = try #require(rollout["id"] as? String)
        _ = try await server.waitForPhase(id, ["awaiting_approval"])

        // Payments through the dc1 router, before, during and after the crash.
        let traffic = PaymentTraffic(routers: [dc1Router])
        let sender = Task { await traffic.run(loops: 1, interval: .zero) }
        // Generous waits: what is checked is that payments keep flowing and none fails while Railyard is
        // down, not how fast a loaded 2-core CI machine serves them.
        try await traffic.waitFor(requests: 50, timeout: .seconds(240))

        server.killHard()
        let atKill = traffic.counts
        #expect(await RailyardBinary.serversLeft(config: config).isEmpty)
        try await traffic.waitFor(requests: atKill.sent + 200, timeout: .seconds(240))
        let whileDown = traffic.counts
        #expect(whileDown.failed == atKill.failed, "payments failed while Railyard was down: \(traffic.failures)")
        #expect(whileDown.canary > atKill.canary, "the canary kept its share of traffic while Railyard was down")

        server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
        try await server.waitReady()
        let resumed = try await server.call("GET", "rollouts/\(id)")
        #expect(resumed["phase"] as? String == "awaiting_approval")
        let events = try await server.call("GET", "history?subject=\(id)&limit=500")["items"] as? [[String: Any]] ?? []
        #expect(events.contains { ($0["kind"] as? String) == "router.reconciled" && (($0["message"] as? String) ?? "").contains("30%") })

        _ = try await server.call("POST", "rollouts/\(id)/approve", as: .approver)
        let done = try await server.waitForPhase(id, ["promoted", "rolled_back"])
        #expect(done["phase"] as? String == "promoted")
        sender.cancel()
        await sender.value
        let final = traffic.counts
        #expect(final.failed == 0, "no payment failed during the whole rollout and crash: \(traffic.failures)")

        let after = try await server.call("GET", "status")
        for target in ["dc1", "dc2"] {
            let groups = groupsOf(after, target: target, service: "payin")
            #expect(groups.count == 1 && groups.first?["version"] as? String == "v2" && groups.first?["weight"] as? Int == 100,
                    "\(target) ends on v2 only: \(groups)")
        }
        _ = try? await server.call("POST", "fleet/down")
        await server.exited()
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "nothing left running")
    }

    @Test func routerChangedWhileDownIsReconciledToTheStoredWeight() async throws {
        let folder = try RailyardBinary.temporaryFolder("reconcile")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = try RailyardBinary.writePayinFleet(in: folder, instances: "{ dc1: 1, dc2: 1 }", waves: Self.waves)
        let state = folder + "/state", port = try FreePort.next()
        var server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
        try await server.waitReady()
        try await server.call("POST", "fleet/up")
        let id = try #require(try await server.call("POST", "rollouts", body: #"{"service":"payin","version":"v2"}"#)["id"] as? String)
        _ = try await server.waitForPhase(id, ["awaiting_approval"])
        server.killHard()

        // Half-shift the wave behind Railyard's back: the router now sends 80% to the canary.
        let admin = try #require(try await adminURL(state: state, target: "dc1"))
        let (_, snapshot) = try await ServerProcess.request("GET", admin + "/state")
        let groups = ((snapshot as? [String: Any])?["services"] as? [String: Any])?["payin"] as? [[String: Any]] ?? []
        let edited = groups.map { group -> [String: Any] in
            var copy = group.filter { ["name", "version", "servers"].contains($0.key) }
            copy["weight"] = (group["name"] as? String) == "canary" ? 80 : 20
            return copy
        }
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["groups": edited]), as: UTF8.self)
        let (put, _) = try await ServerProcess.request("PUT", admin + "/services/payin", body: body)
        #expect(put == 200)

        server = try ServerProcess(config: config, stateDirectory: state, port: port, log: folder + "/serve.log")
        try await server.waitReady()
        let (_, reconciled) = try await ServerProcess.request("GET", admin + "/state")
        let weights = (((reconciled as? [String: Any])?["services"] as? [String: Any])?["payin"] as? [[String: Any]] ?? [])
            .reduce(into: [String: Int]()) { $0[$1["name"] as? String ?? "?"] = $1["weight"] as? Int }
        #expect(weights == ["stable": 70, "canary": 30], "the stored intent (30%) wins over what the router was left at")
        let events = try await server.call("GET", "history?subject=\(id)&limit=500")["items"] as? [[String: Any]] ?? []
        #expect(events.contains { (($0["message"] as? String) ?? "").contains("had 80%") })

        _ = try await server.call("POST", "rollouts/\(id)/abort", body: #"{"reason":"test"}"#)
        let ended = try await server.waitForPhase(id, ["rolled_back"])
        #expect((ended["reason"] as? String ?? "").contains("test"))
        _ = try? await server.call("POST", "fleet/down")
        await server.exited()
        #expect(RailyardBinary.processes(mentioning: folder).isEmpty, "nothing left running")
    }

    /// The router's admin address, read from the store the dead server left.
    func adminURL(state: String, target: String) async throws -> String? {
        let store = try await StoreFactory.open(.sqlite(path: state + "/railyard.sqlite"))
        let url = try await store.routers().first { $0.target == target }?.adminURL
        try await store.close()
        return url
    }
}
