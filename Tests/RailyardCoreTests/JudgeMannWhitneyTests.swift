import Testing

@testable import RailyardCore

/// Kayenta's fixed-horizon judge and the U test under it, against scipy (tools/judge_reference.py).
@Suite("Judge: Mann-Whitney")
struct JudgeMannWhitneyTests {
    @Test("U and p-value match scipy.stats.mannwhitneyu", arguments: JudgeReference.mannWhitney)
    func matchesScipy(example: JudgeReference.MannWhitneyCase) {
        let method = MannWhitney.Method(rawValue: example.method) ?? .auto
        let result = MannWhitney.test(example.x, example.y, method: method, continuity: example.continuity)
        #expect(result.u == example.u)
        #expect(abs(result.pValue - example.p) <= 1e-12 + 1e-9 * example.p, "p \(result.pValue) vs scipy \(example.p)")
    }

    @Test("auto picks exact for small untied samples and the normal approximation otherwise")
    func autoMethod() {
        #expect(MannWhitney.test([1, 2, 3], [4, 5, 6, 7]).method == .exact)
        #expect(MannWhitney.test([1, 2, 2], [4, 5, 6, 7]).method == .asymptotic)
        #expect(MannWhitney.test((0..<9).map(Double.init), (10..<19).map(Double.init)).method == .asymptotic)
    }

    @Test("the exact distribution sums to one and is symmetric")
    func exactDistribution() {
        for (n1, n2) in [(1, 1), (3, 4), (5, 5), (8, 20)] {
            #expect(MannWhitney.exactSurvival(0, n1, n2) == 1)
            #expect(MannWhitney.exactSurvival(n1 * n2 + 1, n1, n2) == 0)
            for u in 0...(n1 * n2) {
                // P(U ≥ u) + P(U ≥ mn − u + 1) = 1 by symmetry
                let total = MannWhitney.exactSurvival(u, n1, n2) + MannWhitney.exactSurvival(n1 * n2 - u + 1, n1, n2)
                #expect(abs(total - 1) < 1e-12)
            }
        }
    }

    static func look(_ t: Double, baseline: (Double, Double), canary: (Double, Double)) -> AnalysisLook {
        AnalysisLook(elapsed: t, baseline: GroupCounters(requests: baseline.0, errors: baseline.1),
                     canary: GroupCounters(requests: canary.0, errors: canary.1))
    }

    /// Cumulative looks from per-interval (requests, baseline errors, canary errors).
    static func looks(_ intervals: [(Double, Double, Double)]) -> [AnalysisLook] {
        var out: [AnalysisLook] = []
        var b = (0.0, 0.0), c = (0.0, 0.0)
        for (i, interval) in intervals.enumerated() {
            b = (b.0 + interval.0, b.1 + interval.1)
            c = (c.0 + interval.0, c.1 + interval.2)
            out.append(look(Double(i + 1) * 60, baseline: b, canary: c))
        }
        return out
    }

    static let errorOnly = AnalysisSpec(judge: .mannWhitney, metrics: [AnalysisMetricSpec(name: "error-rate", kind: .errorRate)])

    @Test("fixed horizon: inconclusive before the deadline, fails a clearly worse canary at it")
    func fixedHorizon() {
        let worse = Self.looks((0..<8).map { (i: Int) -> (Double, Double, Double) in (1000, 5 + Double(i % 3), 20 + Double(i % 4)) })
        let judge = MannWhitneyJudge(spec: Self.errorOnly)
        let early = judge.judge(worse, final: false)
        #expect(early.verdict == .inconclusive)
        #expect(early.reason.contains("decides at the deadline"))
        let atDeadline = judge.judge(worse, final: true)
        #expect(atDeadline.verdict == .fail)
        #expect(atDeadline.metrics[0].reason.contains("Mann-Whitney p="))
        #expect(atDeadline.metrics[0].statistic > atDeadline.metrics[0].boundary)
        #expect(abs(atDeadline.metrics[0].boundary - 2.3263478740408408) < 1e-9)
    }

    @Test("a canary as good as its baseline passes with score 100; a better one passes too")
    func passes() {
        let same = Self.looks((0..<8).map { (i: Int) -> (Double, Double, Double) in (1000, 5 + Double(i % 3), 5 + Double((i + 1) % 3)) })
        let verdict = MannWhitneyJudge(spec: Self.errorOnly).judge(same, final: true)
        #expect(verdict.verdict == .pass)
        #expect(verdict.reason.contains("score 100"))
        let better = Self.looks((0..<8).map { (i: Int) -> (Double, Double, Double) in (1000, 20 + Double(i % 3), 2 + Double(i % 2)) })
        #expect(MannWhitneyJudge(spec: Self.errorOnly).judge(better, final: true).verdict == .pass)
    }

    @Test("allowed increase: a significant +5% passes when +10% is allowed")
    func allowedIncrease() {
        var spec = Self.errorOnly
        spec.metrics[0].allowedIncrease = 0.1
        let slightly = Self.looks((0..<10).map { (i: Int) -> (Double, Double, Double) in (10000, 100 + Double(i % 2), 105 + Double(i % 2)) })
        let verdict = MannWhitneyJudge(spec: spec).judge(slightly, final: true)
        #expect(verdict.verdict == .pass)
        #expect(verdict.metrics[0].reason.contains("within the allowed increase"))
        spec.metrics[0].allowedIncrease = 0
        #expect(MannWhitneyJudge(spec: spec).judge(slightly, final: true).verdict == .fail)
    }

    @Test("direction: a significantly lower canary fails with decrease or either, beyond the allowed decrease; a higher one passes with decrease")
    func direction() {
        let lower = Self.looks((0..<8).map { (i: Int) -> (Double, Double, Double) in (1000, 20 + Double(i % 3), 2 + Double(i % 2)) })
        let higher = Self.looks((0..<8).map { (i: Int) -> (Double, Double, Double) in (1000, 2 + Double(i % 2), 20 + Double(i % 3)) })
        var spec = Self.errorOnly
        for direction in [AnalysisMetricSpec.Direction.decrease, .either] {
            spec.metrics[0].direction = direction
            let verdict = MannWhitneyJudge(spec: spec).judge(lower, final: true)
            #expect(verdict.verdict == .fail, "\(direction)")
            #expect(verdict.metrics[0].reason.contains("canary lower"), "\(verdict.metrics[0].reason)")
        }
        #expect(MannWhitneyJudge(spec: spec).judge(higher, final: true).verdict == .fail, "either: higher fails too")
        spec.metrics[0].direction = .decrease
        let up = MannWhitneyJudge(spec: spec).judge(higher, final: true)
        #expect(up.verdict == .pass && up.metrics[0].reason.contains("only a decrease is worse"), "\(up.metrics[0].reason)")
        spec.metrics[0].allowedDecrease = 0.95    // the canary's ~1.5/1000 against ~21/1000 is a −93% drop
        let allowed = MannWhitneyJudge(spec: spec).judge(lower, final: true)
        #expect(allowed.verdict == .pass && allowed.metrics[0].reason.contains("within the allowed decrease"), "\(allowed.metrics[0].reason)")
    }

    @Test("scoring: a failing non-critical metric of two scores 50 and fails; of 20 it is marginal at 95")
    func scoring() {
        let worse = Self.looks((0..<8).map { (i: Int) -> (Double, Double, Double) in (1000, 5 + Double(i % 3), 20 + Double(i % 4)) })
        var two = Self.errorOnly
        two.metrics = [AnalysisMetricSpec(name: "bad", kind: .errorRate, critical: false),
                       AnalysisMetricSpec(name: "also-bad", kind: .errorRate, critical: false, allowedIncrease: 10)]
        let half = MannWhitneyJudge(spec: two).judge(worse, final: true)
        #expect(half.verdict == .fail)
        #expect(half.reason.contains("score 50"))
        var many = Self.errorOnly
        many.metrics = [AnalysisMetricSpec(name: "bad", kind: .errorRate, critical: false)]
            + (0..<19).map { AnalysisMetricSpec(name: "ok\($0)", kind: .errorRate, critical: false, allowedIncrease: 10) }
        #expect(MannWhitneyJudge(spec: many).judge(worse, final: true).verdict == .pass)  // 95 ≥ 95
        many.metrics.removeLast(10)  // 9 of 10 pass: 90, marginal
        let marginal = MannWhitneyJudge(spec: many).judge(worse, final: true)
        #expect(marginal.verdict == .inconclusive)
        #expect(marginal.reason.contains("marginal score 90"))
        many.metrics[0].critical = true
        #expect(MannWhitneyJudge(spec: many).judge(worse, final: true).verdict == .fail)
    }

    @Test("latency: per-interval means from the histogram")
    func latency() {
        let bounds = [0.05, 0.1, 0.25, 0.5, Double.infinity]
        func histogram(_ counts: [Double]) -> [LatencyBucket] {
            var c = 0.0
            return zip(bounds, counts).map { c += $1; return LatencyBucket(le: $0, count: c) }
        }
        var looks: [AnalysisLook] = []
        var b = [0.0, 0, 0, 0, 0], c = [0.0, 0, 0, 0, 0]
        for i in 0..<8 {
            b = zip(b, [10, 50 + Double(i % 3), 30, 10, 0]).map { $0 + $1 }
            c = zip(c, [2, 30 + Double(i % 2), 48, 20, 0]).map { $0 + $1 }
            looks.append(AnalysisLook(elapsed: Double(i + 1) * 60, baseline: GroupCounters(requests: b.reduce(0, +), latencyBuckets: histogram(b)),
                                      canary: GroupCounters(requests: c.reduce(0, +), latencyBuckets: histogram(c))))
        }
        let spec = AnalysisSpec(judge: .mannWhitney, minSamples: 10, metrics: [AnalysisMetricSpec(name: "latency", kind: .latency)])
        let verdict = MannWhitneyJudge(spec: spec).judge(looks, final: true)
        #expect(verdict.verdict == .fail)
        #expect(verdict.metrics[0].canaryValue > verdict.metrics[0].baselineValue)
        #expect(verdict.metrics[0].reason.contains("ms"))
    }

    @Test("low traffic is inconclusive at the deadline; no data at all fails")
    func lowTraffic() {
        let few = Self.looks([(Double, Double, Double)](repeating: (10, 0, 5), count: 5))  // 50 requests < minSamples 100, terrible canary
        let judge = MannWhitneyJudge(spec: Self.errorOnly)
        #expect(judge.judge(few, final: false).verdict == .inconclusive)
        let atDeadline = judge.judge(few, final: true)
        #expect(atDeadline.verdict == .inconclusive)
        #expect(atDeadline.reason.contains("waiting for data"))
        let none = [Self.look(300, baseline: (500, 2), canary: (0, 0))]
        let noData = judge.judge(none, final: true)
        #expect(noData.verdict == .fail)
        #expect(noData.reason.contains("no data from the canary"))
    }
}
