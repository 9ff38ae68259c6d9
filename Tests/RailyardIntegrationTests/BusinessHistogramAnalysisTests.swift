import Foundation
import PaymentsDemo
import RailyardAdapters
import Testing

/// A payment's latency as the business times it, on real processes under real pay-ins through the dc1
/// router: v2 settles each captured pay-in 80 ms after its answer, against 20 ms for v1, so no HTTP latency
/// shows it. The analysis's `settlement-p90` metric reads the instances' own `payin_settlement_seconds`
/// histogram, shows the slower tail and rolls back, with the histogram's name and bound in the reason.
@Suite(.serialized, .fleet) struct BusinessHistogramAnalysisTests {
    static let waves = PayinFleetUnderTraffic.analysisWave(metrics: [
        "{ name: error-rate, kind: error_rate, acceptable_rate: 0.05 }",
        "{ name: settlement-p90, kind: latency, histogram: payin_settlement_seconds, quantile: 0.9 }",
    ])

    @Test func slowerSettlementIsCaughtOnTheServicesOwnHistogramThoughNoRequestIsSlower() async throws {
        let run = try await PayinFleetUnderTraffic.start("business-histogram", waves: Self.waves,
                                                         behaviour: "payin:\n  v1: { settlement_ms: 20 }\n  v2: { settlement_ms: 80 }\n")
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        let ended = try await run.end(try await run.deploy("v2"), version: "v2", timeout: .seconds(200))

        let reason = ended.reason
        print("business histogram rollback: \(reason)")
        #expect(ended.rollout["phase"] as? String == "rolled_back", "\(ended.rollout["phase"] ?? "?"): \(reason) \(ended.analysis)")
        #expect(reason.contains("settlement-p90 p90 ") && reason.contains(" baseline payin_settlement_seconds observations; regression shown: "), "\(reason)")
        let canary = (ended.looks.last?["look"] as? [String: Any])?["canary"] as? [String: Any]
        let histograms = canary?["histograms"] as? [String: Any] ?? [:]
        let settlement = histograms["payin_settlement_seconds"] as? [[String: Any]] ?? []
        #expect(settlement.count == 11 && (settlement.last?["count"] as? Double ?? 0) > 0, "the instances' own histogram stored with each look: \(histograms)")
        let instances = canary?["instances"] as? [String: [String: Any]] ?? [:]
        #expect(!instances.isEmpty && instances.values.allSatisfy { (($0["histograms"] as? [String: Any])?["payin_settlement_seconds"] as? [Double])?.count == 11 },
                "each instance's too: \(instances)")
        #expect(ended.left.isEmpty, "no v2 instance left (ps)")
    }
}
