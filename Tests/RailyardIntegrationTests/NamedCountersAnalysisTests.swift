import Foundation
import PaymentsDemo
import RailyardAdapters
import Testing

/// A payment judged as a payment, on real processes under real pay-ins through the dc1 router: v2
/// declines one pay-in in 5 with a 402, so no 5xx ever shows. The HTTP error rate passes it; the
/// analysis's `payin-failures` metric reads the instances' own `payins_failed_total` over `payins_total`,
/// shows the regression and rolls back, with the counter's name and bound in the reason.
@Suite(.serialized, .fleet) struct NamedCountersAnalysisTests {
    static let waves = PayinFleetUnderTraffic.analysisWave(metrics: [
        "{ name: error-rate, kind: error_rate, acceptable_rate: 0.05 }",
        "{ name: payin-failures, kind: error_rate, failed: payins_failed_total, total: payins_total, acceptable_rate: 0.05 }",
    ])

    @Test func declinedPaymentsAreCaughtOnTheServicesOwnCountersThoughNoRequestFailedOverHTTP() async throws {
        let run = try await PayinFleetUnderTraffic.start("named-counters", waves: Self.waves, behaviour: "payin:\n  v2: { decline_rate: 0.2 }\n")
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        let ended = try await run.end(try await run.deploy("v2"), version: "v2", timeout: .seconds(200))

        let reason = ended.reason
        print("named counters rollback: \(reason)")
        #expect(ended.rollout["phase"] as? String == "rolled_back", "\(ended.rollout["phase"] ?? "?"): \(reason) \(ended.analysis)")
        #expect(reason.contains("payin-failures ") && reason.contains(" baseline payins_total; regression shown: "), "\(reason)")
        let looks = ended.looks
        let metrics = (looks.last?["judgement"] as? [String: Any])?["metrics"] as? [[String: Any]] ?? []
        #expect(metrics.first { $0["metric"] as? String == "error-rate" }?["verdict"] as? String != "fail", "no 5xx: the HTTP rate does not fail it")
        let canary = (looks.last?["look"] as? [String: Any])?["canary"] as? [String: Any]
        let counters = canary?["counters"] as? [String: Double] ?? [:]
        #expect((counters["payins_total"] ?? 0) > 0 && (counters["payins_failed_total"] ?? 0) > 0, "the instances' own counters stored with each look: \(counters)")
        #expect(ended.left.isEmpty, "no v2 instance left (ps)")
    }
}
