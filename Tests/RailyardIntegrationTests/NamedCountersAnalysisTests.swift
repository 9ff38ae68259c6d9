import Foundation
import PaymentsDemo
import RailyardAdapters
import Testing

/// A payment judged as a payment, on real processes under real pay-ins through the dc1 router: v2
/// declines one pay-in in 5 with a 402, so no 5xx ever shows. The HTTP error rate passes it; the
/// analysis's `payin-failures` metric reads the instances' own `payins_failed_total` over `payins_total`,
/// shows the regression and rolls back, with the counter's name and bound in the reason.
@Suite(.serialized) struct NamedCountersAnalysisTests {
    static let waves = """
            - name: canary
              target: dc1
              steps:
                - deploy
                - setWeight: 50
                - analysis:
                    interval: 1s
                    max_duration: 2m
                    metrics:
                      - { name: error-rate, kind: error_rate, acceptable_rate: 0.05 }
                      - { name: payin-failures, kind: error_rate, failed: payins_failed_total, total: payins_total, acceptable_rate: 0.05 }
                - promote
        """

    @Test func declinedPaymentsAreCaughtOnTheServicesOwnCountersThoughNoRequestFailedOverHTTP() async throws {
        let run = try await PayinFleetUnderTraffic.start("named-counters", waves: Self.waves, behaviour: "payin:\n  v2: { decline_rate: 0.2 }\n")
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        let id = try await run.deploy("v2")
        let done = (try? await run.server.waitForPhase(id, ["promoted", "rolled_back"], timeout: .seconds(200))) ?? [:]
        let analyses = try await run.server.call("GET", "rollouts/\(id)/analyses")["items"] as? [[String: Any]] ?? []
        let report = try await run.server.call("GET", "analyses/\(analyses.last?["id"] as? String ?? "")")
        await run.stopTraffic()
        let ours = Set(RailyardBinary.processes(mentioning: run.folder))
        let v2Left = RailyardBinary.processes(mentioning: "--version v2 ").filter(ours.contains)
        _ = try? await run.server.call("POST", "fleet/down")
        await run.server.exited()

        let reason = done["reason"] as? String ?? ""
        print("named counters rollback: \(reason)")
        #expect(done["phase"] as? String == "rolled_back", "\(done["phase"] ?? "?"): \(reason) \(analyses.last ?? [:])")
        #expect(reason.contains("payin-failures ") && reason.contains(" baseline payins_total; regression shown: "), "\(reason)")
        let looks = report["looks"] as? [[String: Any]] ?? []
        let metrics = (looks.last?["judgement"] as? [String: Any])?["metrics"] as? [[String: Any]] ?? []
        #expect(metrics.first { $0["metric"] as? String == "error-rate" }?["verdict"] as? String != "fail", "no 5xx: the HTTP rate does not fail it")
        let canary = (looks.last?["look"] as? [String: Any])?["canary"] as? [String: Any]
        let counters = canary?["counters"] as? [String: Double] ?? [:]
        #expect((counters["payins_total"] ?? 0) > 0 && (counters["payins_failed_total"] ?? 0) > 0, "the instances' own counters stored with each look: \(counters)")
        #expect(v2Left.isEmpty, "no v2 instance left (ps)")
    }
}
