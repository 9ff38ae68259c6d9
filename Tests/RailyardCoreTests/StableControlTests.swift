import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// The stable group as an extra control for the error rates (`stable_as_control`): false positives still
/// at most α exactly at the tolerance, a good canary's pass earned sooner at a small canary weight, and a
/// stable group that restarts or disappears costs its evidence, never the analysis.
@Suite("Judge: stable group as control")
struct StableControlTests {
    /// Cumulative looks: each interval the canary and baseline serve `requests`, stable `stableShare` times
    /// as many; errors binomial at each group's rate.
    static func looks(canaryRate: Double, controlRate: Double, requests: Int, stableShare: Int, count: Int, seed: UInt64) -> [AnalysisLook] {
        var rng = Xoshiro256StarStar(seed: seed)
        var canary = GroupCounters(), baseline = GroupCounters(), stable = GroupCounters()
        return (1...count).map { i in
            canary.requests += Double(requests)
            canary.errors += RateRatioSequenceTests.binomial(requests, canaryRate, &rng)
            baseline.requests += Double(requests)
            baseline.errors += RateRatioSequenceTests.binomial(requests, controlRate, &rng)
            stable.requests += Double(requests * stableShare)
            stable.errors += RateRatioSequenceTests.binomial(requests * stableShare, controlRate, &rng)
            return AnalysisLook(elapsed: Double(i) * 10, baseline: baseline, canary: canary, stable: stable)
        }
    }

    static func spec(alpha: Double, stable: Bool) -> AnalysisSpec {
        AnalysisSpec(alpha: alpha, metrics: [AnalysisMetricSpec(name: "error-rate", kind: .errorRate, allowedIncrease: 0.5)], stableAsControl: stable)
    }

    /// Runs analyses look by look; (fails, passes, mean looks to a pass — counting the horizon for none).
    static func run(canaryRate: Double, controlRate: Double, stable: Bool, alpha: Double, requests: Int, count: Int, runs: Int,
                    seed: UInt64) -> (fail: Int, pass: Int, meanLooksToPass: Double) {
        var fail = 0, pass = 0, looksToPass = 0
        for r in 0..<runs {
            let looks = looks(canaryRate: canaryRate, controlRate: controlRate, requests: requests, stableShare: 18, count: count, seed: seed &+ UInt64(r))
            var tracker = SequentialJudge(spec: spec(alpha: alpha, stable: stable)).tracker()
            for look in looks where tracker.decided == nil { tracker.observe(look) }
            if tracker.decided == .fail { fail += 1 }
            if tracker.decided == .pass { pass += 1; looksToPass += tracker.lookCount } else { looksToPass += count }
        }
        return (fail, pass, Double(looksToPass) / Double(runs))
    }

    @Test("exactly at the tolerance (+50% of baseline and stable's rate), false positives stay at most α, stable 18× the baseline's traffic")
    func boundary() async {
        let alpha = 0.05, runs = 300
        let limit = alpha + 3 * (alpha * (1 - alpha) / Double(runs)).squareRoot()
        let result = await OffPool.run { Self.run(canaryRate: 0.03, controlRate: 0.02, stable: true, alpha: alpha, requests: 100, count: 120, runs: runs, seed: 0x57AB) }
        #expect(Double(result.fail) / Double(runs) <= limit, "\(result.fail) of \(runs) failed at the boundary")
        print("stable as control, at the boundary: \(result.fail) of \(runs) failed (α \(alpha))")
    }

    @Test("a good canary at a 5% weight earns its pass in fewer looks with the stable group counted, and a 2× canary is still failed")
    func fasterPass() async {
        let with = await OffPool.run { Self.run(canaryRate: 0.02, controlRate: 0.02, stable: true, alpha: 0.01, requests: 100, count: 300, runs: 100, seed: 0x600D) }
        let without = await OffPool.run { Self.run(canaryRate: 0.02, controlRate: 0.02, stable: false, alpha: 0.01, requests: 100, count: 300, runs: 100, seed: 0x600D) }
        print("looks to a pass, A/A at 2% errors, 100 canary requests a look: \(with.meanLooksToPass) with stable, \(without.meanLooksToPass) without "
              + "(\(with.pass) and \(without.pass) of 100 passed)")
        #expect(with.fail == 0 && without.fail == 0)
        #expect(with.meanLooksToPass < 0.8 * without.meanLooksToPass, "\(with.meanLooksToPass) vs \(without.meanLooksToPass)")
        let bad = await OffPool.run { Self.run(canaryRate: 0.04, controlRate: 0.02, stable: true, alpha: 0.01, requests: 100, count: 300, runs: 50, seed: 0xBAD) }
        #expect(bad.fail >= 48, "\(bad.fail) of 50 2× canaries failed")
    }

    @Test("the reason names the control; a stable restart or a look without stable costs that interval's stable evidence only")
    func stableGapsAreNotGaps() {
        let looks = Self.looks(canaryRate: 0.02, controlRate: 0.02, requests: 200, stableShare: 18, count: 200, seed: 7)
        // Stable restarts at look 20 (its counters start again from zero) and is not read at look 40.
        let broken = looks.enumerated().map { i, look -> AnalysisLook in
            var look = look
            if i >= 20, let s = look.stable, let at = looks[19].stable {
                look.stable = GroupCounters(requests: s.requests - at.requests, errors: s.errors - at.errors)
            }
            if i == 40 { look.stable = nil }
            return look
        }
        var tracker = SequentialJudge(spec: Self.spec(alpha: 0.01, stable: true)).tracker()
        for look in broken where tracker.decided == nil { tracker.observe(look) }
        let judgement = tracker.judgement(final: false)
        #expect(judgement.verdict == .pass, "\(judgement.reason)")
        #expect(judgement.reason.contains(" on baseline and stable after ") && judgement.reason.contains(" baseline and stable requests"), "\(judgement.reason)")
        #expect(!judgement.reason.contains("went back"), "a stable restart is not the canary's: \(judgement.reason)")
        // Off by default: the same looks judged against the baseline alone.
        let alone = SequentialJudge(spec: Self.spec(alpha: 0.01, stable: false)).judge(Array(broken.prefix(10)), final: false)
        #expect(alone.reason.contains(" on baseline after "), "\(alone.reason)")
    }
}
