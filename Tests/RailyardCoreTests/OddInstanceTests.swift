import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// One odd canary instance (a bad host, a noisy neighbour) in an A/A: the canary as a whole looks worse,
/// but without that instance it does not, so the judge does not fail the version; it names the instance
/// for a person. A fault of the version shows in every instance and is still failed.
@Suite("Judge: one odd instance")
struct OddInstanceTests {
    /// Two canary instances at `rates`, two baseline ones at 0.5%, 100 requests each a look.
    static func looks(canary rates: [Double], seed: UInt64, count: Int = 120) -> [AnalysisLook] {
        var rng = Xoshiro256StarStar(seed: seed)
        var canary: [String: InstanceCounters] = [:], baseline: [String: InstanceCounters] = [:]
        var canaryTotal = GroupCounters(), baselineTotal = GroupCounters()
        return (1...count).map { i in
            for (n, rate) in rates.enumerated() {
                let errors = RateRatioSequenceTests.binomial(100, rate, &rng)
                canary["10.0.0.\(n + 1):8080", default: InstanceCounters()].requests += 100
                canary["10.0.0.\(n + 1):8080", default: InstanceCounters()].errors += errors
                canaryTotal.requests += 100
                canaryTotal.errors += errors
            }
            for n in 0..<2 {
                let errors = RateRatioSequenceTests.binomial(100, 0.005, &rng)
                baseline["10.0.1.\(n + 1):8080", default: InstanceCounters()].requests += 100
                baseline["10.0.1.\(n + 1):8080", default: InstanceCounters()].errors += errors
                baselineTotal.requests += 100
                baselineTotal.errors += errors
            }
            canaryTotal.instances = canary
            baselineTotal.instances = baseline
            return AnalysisLook(elapsed: Double(i) * 10, baseline: baselineTotal, canary: canaryTotal)
        }
    }

    static let spec = AnalysisSpec(alpha: 0.01, metrics: [AnalysisMetricSpec(name: "error-rate", kind: .errorRate, allowedIncrease: 0.5, acceptableRate: 0.005)])

    static func verdicts(_ rates: [Double], runs: Int, seed: UInt64, instances: Bool = true) -> [VerdictKind: Int] {
        var counts: [VerdictKind: Int] = [:]
        for run in 0..<runs {
            var looks = Self.looks(canary: rates, seed: seed &+ UInt64(run))
            if !instances { looks = looks.map { var l = $0; l.canary.instances = [:]; l.baseline.instances = [:]; return l } }
            counts[SequentialJudge(spec: spec).judge(looks, final: true).verdict, default: 0] += 1
        }
        return counts
    }

    @Test("an A/A with one canary instance on a bad host (4% errors against 0.5%) is not failed, and the instance is named")
    func oddInstanceIsNotTheVersion() async throws {
        let odd = await OffPool.run { Self.verdicts([0.005, 0.04], runs: 50, seed: 0x0DD) }
        let blind = await OffPool.run { Self.verdicts([0.005, 0.04], runs: 50, seed: 0x0DD, instances: false) }
        print("one odd canary instance, 50 A/A analyses: \(odd) read apart, \(blind) as one group")
        #expect(odd[.fail, default: 0] == 0, "\(odd)")
        #expect(blind[.fail, default: 0] >= 45, "as one group the odd host fails the version: \(blind)")
        let judgement = SequentialJudge(spec: Self.spec).judge(Self.looks(canary: [0.005, 0.04], seed: 1), final: true)
        #expect(judgement.verdict == .inconclusive)
        print("odd instance: \(judgement.reason)")
        #expect(judgement.reason.contains("the canary as a whole is shown worse (error-rate ratio ≥ ") && judgement.reason.contains("but not without its instance 10.0.0.2:8080 (4."),
                "\(judgement.reason)")
        #expect(judgement.reason.contains("one instance carries it, a host rather than the version, for a person to judge"), "\(judgement.reason)")
    }

    @Test("a fault of the version shows in both instances and is still failed")
    func versionFaultStillFails() async {
        let bad = await OffPool.run { Self.verdicts([0.03, 0.03], runs: 50, seed: 0xBAD) }
        #expect(bad[.fail, default: 0] >= 48, "\(bad)")
    }

    /// The look at which the judge fails the canary, read instance by instance or as one group; nil: never.
    static func looksToFail(_ looks: [AnalysisLook], instances: Bool) -> Int? {
        var tracker = SequentialJudge(spec: spec).tracker()
        for (i, look) in looks.enumerated() {
            var look = look
            if !instances { look.canary.instances = [:]; look.baseline.instances = [:] }
            tracker.observe(look)
            if let decided = tracker.decided { return decided == .fail ? i + 1 : nil }
        }
        return nil
    }

    @Test("reading instances apart costs a version's fault little: the others need show it only at 90%, not prove it again")
    func versionFaultIsCaughtAboutAsSoonAsReadAsOneGroup() async {
        // 3× the baseline's errors on both instances. Asked at α, the canary without each instance (half the
        // canary) had to prove the regression alone: about 1.6× the looks of the same canary read as one group.
        let (apart, whole) = await OffPool.run {
            (0..<50).reduce(into: (0.0, 0.0)) { sums, run in
                let looks = Self.looks(canary: [0.015, 0.015], seed: 0xFA57 &+ UInt64(run), count: 240)
                sums.0 += Double(Self.looksToFail(looks, instances: true) ?? 241)
                sums.1 += Double(Self.looksToFail(looks, instances: false) ?? 241)
            }
        }
        print("a version 3× the baseline's errors, 50 analyses: \(apart / 50) looks to fail read apart, \(whole / 50) as one group")
        #expect(apart <= 1.15 * whole, "apart \(apart / 50) looks against \(whole / 50)")
    }
}
