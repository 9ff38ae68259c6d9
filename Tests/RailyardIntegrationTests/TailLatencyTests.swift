import Foundation
import PaymentsDemo
import RailyardAdapters
import Testing

/// The tail test on real processes under real pay-ins through the dc1 router: v2 delays one payment in
/// 5 by 300 ms (its median unmoved, no payment failed). One in 5, not fewer: on a loaded machine the
/// baseline's own p99 reaches a few milliseconds, and the test must decide within its 2 minutes there too. The analysis reads the p99 (`quantile: 0.99`)
/// from the instances' own histograms, shows more requests slower than the baseline's p99 bound than
/// the +50% tolerated, and rolls back with the numbers.
@Suite(.serialized, .fleet) struct TailLatencyTests {
    static let waves = PayinFleetUnderTraffic.analysisWave(metrics: [
        "{ name: latency-p99, kind: latency, quantile: 0.99 }",
    ])

    @Test func aSlowerTailIsCaughtAtItsQuantileAndRolledBackWithItsBound() async throws {
        let run = try await PayinFleetUnderTraffic.start("tail", waves: Self.waves,
                                                         behaviour: "payin:\n  v2: { slow_rate: 0.2, slow_latency_ms: 300 }\n", loops: 4)
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        let ended = try await run.end(try await run.deploy("v2"), version: "v2", timeout: .seconds(200))
        let spec = (ended.analysis["spec"] as? [String: Any])?["metrics"] as? [[String: Any]]

        let reason = ended.reason
        print("tail rollback: \(reason)")
        #expect(ended.rollout["phase"] as? String == "rolled_back", "\(ended.rollout["phase"] ?? "?"): \(reason)")
        #expect(reason.contains("latency-p99 p99 ") && reason.contains("regression shown: ratio of requests slower than ")
                && reason.contains("above the tolerated +50% (1.50×)") && reason.contains("the tail read at "), "\(reason)")
        #expect(spec?.first?["quantile"] as? Double == 0.99 && spec?.first?["allowed_increase"] as? Double == 0.5,
                "the stored spec carries the quantile and its default tolerance: \(String(describing: spec))")
        #expect(run.traffic.counts.failed == 0, "slow, never failed: no payment failed: \(run.traffic.failures)")
        #expect(ended.left.isEmpty, "no v2 instance left (ps)")
    }
}
