import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// An error rate on the service's own counters (`failed` over `total`): a payment declined with a 4xx
/// is a failed payment the HTTP 5xx rate never sees; the judge fails the canary on it, with the counter's
/// name in its reason, and counters that went back are a gap, never a pass.
@Suite("Judge: the service's own counters")
struct NamedCountersJudgeTests {
    static let business = AnalysisMetricSpec(name: "payin-failures", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.01,
                                             failedCounter: "payins_failed_total", totalCounter: "payins_total")
    static let http = AnalysisMetricSpec(name: "error-rate", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.01)

    /// Looks where no request fails over HTTP, and `declined` of the canary's payments (0.5% of the
    /// baseline's) fail as payments.
    static func looks(declined: Double, seed: UInt64, count: Int = 60) -> [AnalysisLook] {
        var rng = Xoshiro256StarStar(seed: seed)
        var canary = GroupCounters(), baseline = GroupCounters()
        return (1...count).map { i in
            canary.requests += 200
            canary.counters["payins_total", default: 0] += 200
            canary.counters["payins_failed_total", default: 0] += RateRatioSequenceTests.binomial(200, declined, &rng)
            baseline.requests += 200
            baseline.counters["payins_total", default: 0] += 200
            baseline.counters["payins_failed_total", default: 0] += RateRatioSequenceTests.binomial(200, 0.005, &rng)
            return AnalysisLook(elapsed: Double(i) * 10, baseline: baseline, canary: canary)
        }
    }

    @Test("declined payments fail the canary on its own counters while the HTTP error rate passes it; the reason names the counter")
    func declinesCaught() {
        let looks = Self.looks(declined: 0.2, seed: 1)
        let both = SequentialJudge(spec: AnalysisSpec(alpha: 0.01, metrics: [Self.http, Self.business])).judge(looks, final: true)
        #expect(both.verdict == .fail, "\(both.reason)")
        #expect(both.reason.hasPrefix("payin-failures ") && both.reason.contains(" on baseline after ") && both.reason.contains(" baseline payins_total; regression shown: "),
                "\(both.reason)")
        #expect(both.metrics.first { $0.metric == "error-rate" }?.verdict == .pass, "no 5xx: the HTTP rate alone would have passed it")
        let good = SequentialJudge(spec: AnalysisSpec(alpha: 0.01, metrics: [Self.business])).judge(Self.looks(declined: 0.005, seed: 2, count: 200), final: true)
        #expect(good.verdict != .fail, "\(good.reason)")
    }

    @Test("the service's counters going back (a restart) are a gap: no pass, the reason says which")
    func resetIsAGap() {
        let looks = Self.looks(declined: 0.005, seed: 3, count: 100).enumerated().map { i, look -> AnalysisLook in
            guard i == 50 else { return look }
            var look = look
            look.canary.counters["payins_total"] = 10
            return look
        }
        let judgement = SequentialJudge(spec: AnalysisSpec(alpha: 0.01, metrics: [Self.business])).judge(looks, final: true)
        #expect(judgement.verdict == .inconclusive, "\(judgement.reason)")
        #expect(judgement.reason.contains("the canary's payins_failed_total or payins_total went back between 500 s and 510 s"), "\(judgement.reason)")
    }
}
