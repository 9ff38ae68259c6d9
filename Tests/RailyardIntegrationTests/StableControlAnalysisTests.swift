import Foundation
import PaymentsDemo
import RailyardAdapters
import Testing

/// `stable_as_control` on real processes under real pay-ins through the dc1 router: at a 10% canary weight
/// the stable instances serve most of the traffic; the analysis reads them beside the baseline, stores
/// their counters with every look, and its verdict names the control it was judged against.
@Suite(.serialized, .fleet) struct StableControlAnalysisTests {
    static let waves = """
            - name: canary
              target: dc1
              steps:
                - deploy
                - setWeight: 10
                - analysis:
                    interval: 1s
                    max_duration: 2m
                    stable_as_control: true
                    metrics:
                      - { name: error-rate, kind: error_rate, acceptable_rate: 0.05 }
                - promote
        """

    @Test func theStableGroupIsReadAndStoredAsControlAndTheVerdictSaysSo() async throws {
        let run = try await PayinFleetUnderTraffic.start("stable-control", waves: Self.waves)
        defer { try? FileManager.default.removeItem(atPath: run.folder) }
        let ended = try await run.end(try await run.deploy("v2"), version: "v2", timeout: .seconds(200))

        #expect(ended.rollout["phase"] as? String == "promoted", "\(ended.rollout["phase"] ?? "?"): \(ended.reason)")
        let analysis = try #require(ended.report["analysis"] as? [String: Any])
        #expect((analysis["spec"] as? [String: Any])?["stable_as_control"] as? Bool == true)
        #expect(analysis["stable_start"] is [String: Any], "the stable group's start counters are stored: \(analysis.keys.sorted())")
        #expect((analysis["reason"] as? String ?? "").contains(" on baseline and stable after "), "\(analysis["reason"] ?? "")")
        let last = try #require(ended.looks.last?["look"] as? [String: Any])
        let stable = (last["stable"] as? [String: Any])?["requests"] as? Double ?? 0
        let baseline = (last["baseline"] as? [String: Any])?["requests"] as? Double ?? 0
        // 80% of the traffic against the baseline's 10%: several times the baseline's requests.
        #expect(stable > 3 * baseline && baseline > 0, "stable \(stable), baseline \(baseline) requests in the last look")
        #expect(run.traffic.counts.failed == 0, "\(run.traffic.failures)")
    }
}
