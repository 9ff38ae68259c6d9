import Foundation
import PaymentsDemo
import RailyardAdapters
import Testing

/// The drain on real processes: payin v1 takes 1.5 s a pay-in, four senders keep one each in flight through
/// the dc1 router. Promoting v2 takes v1 out of the table with those requests on the wire; v1 is signalled only
/// once the router has relayed their answers, which the stop's audit line says, and no payment fails.
@Suite(.serialized, .fleet) struct DrainOnStopTests {
    static let waves = """
            - name: dc1
              target: dc1
              steps: [deploy, promote]
        """

    @Test func theOldVersionIsStoppedOnceTheRouterHasTheAnswersOfItsSlowPayments() async throws {
        let run = try await PayinFleetUnderTraffic.start("drain-on-stop", waves: Self.waves, behaviour: "payin: { v1: { extra_latency_ms: 1500 } }\n",
                                                         instances: "{ dc1: 1 }", loops: 4)
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        try await run.traffic.waitFor(requests: 4, timeout: .seconds(60))
        let id = try await run.deploy("v2")
        let rollout = try await run.server.waitForPhase(id, ["promoted", "rolled_back"], timeout: .seconds(120))
        #expect(rollout["phase"] as? String == "promoted", "\(rollout["reason"] ?? "")")

        var stop: String?
        for _ in 0..<300 where stop == nil {
            let events = try await run.server.call("GET", "history?subject=payin&limit=500")["items"] as? [[String: Any]] ?? []
            stop = events.first { $0["kind"] as? String == "instance.stopped" && ($0["message"] as? String ?? "").contains("payin v1 in dc1") }?["message"] as? String
            if stop == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let message = try #require(stop, "v1's stop is in the audit log")
        #expect(message.contains("once the router had relayed the answers of its requests in flight"), "\(message)")
        let ended = try await run.end(id, version: "v1", timeout: .seconds(10))
        #expect(ended.left.isEmpty, "no v1 process left: \(ended.left)")
        #expect(run.traffic.counts.failed == 0, "\(run.traffic.failures)")
        #expect(run.traffic.counts.sent > 4)
    }
}
