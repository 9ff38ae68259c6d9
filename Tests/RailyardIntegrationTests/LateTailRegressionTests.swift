import Foundation
import PaymentsDemo
import RailyardAdapters
import Testing

/// A canary whose latency tail turns slow after its analysis passed, on real processes under real pay-ins:
/// v1 answers 4 pay-ins in 10 5 ms late; each v2 instance serves its first 400 pay-ins fast, then every one
/// 5 ms late. The analysis (error rate, and latency at p50) passes on the fast ones; the late watch of the
/// tail, reading canary and baseline during the pause before promote, shows the slower tail and rolls back,
/// with the bound and the shares in the reason.
@Suite(.serialized, .fleet) struct LateTailRegressionTests {
    static let waves = """
            - name: canary
              target: dc1
              steps:
                - deploy
                - setWeight: 25
                - analysis:
                    interval: 1s
                    max_duration: 2m
                    watch_after_pass: 10m
                    metrics:
                      - { name: error-rate, kind: error_rate, acceptable_rate: 0.05 }
                      - { name: latency-p50, kind: latency, quantile: 0.5 }
                - pause: 10m
                - promote
        """

    @Test func aTailThatTurnsSlowAfterThePassIsCaughtBeforePromotionAndRolledBack() async throws {
        let behaviour = "payin:\n  v1: { slow_rate: 0.4, slow_latency_ms: 5 }\n  v2: { slow_rate: 1.0, slow_latency_ms: 5, healthy_requests: 400 }\n"
        let run = try await PayinFleetUnderTraffic.start("late-tail", waves: Self.waves, behaviour: behaviour)
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        let id = try await run.deploy("v2")
        let ended = try await run.end(id, version: "v2", timeout: .seconds(400))

        let reason = ended.reason
        print("late tail rollback: \(reason)")
        #expect(ended.rollout["phase"] as? String == "rolled_back", "\(ended.rollout["phase"] ?? "?"): \(reason)")
        #expect(reason.contains("late regression after the pass: latency-p50's requests slower than ") && reason.contains(" slower on the canary vs "), "\(reason)")
        #expect(ended.analysis["verdict"] as? String == "pass", "the analysis itself passed, on the fast pay-ins: \(ended.analysis["reason"] ?? "")")
        let late = ended.analysis["late_watch"] as? [String: Any]
        let tail = late?["tail"] as? [String: Any]
        #expect(tail?["metric"] as? String == "latency-p50" && (tail?["bound"] as? Double ?? 0) > 0, "the tail's watch stored with the analysis: \(late ?? [:])")
        #expect(((tail?["watch"] as? [String: Any])?["looks"] as? Int ?? 0) > 0)
        #expect(ended.left.isEmpty, "no v2 instance left (ps)")
    }
}
