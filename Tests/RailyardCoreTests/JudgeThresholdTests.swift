import Testing

@testable import RailyardCore

/// Flagger's threshold judge, the factory, and the small helpers every judge shares.
@Suite("Judge: threshold, factory, helpers")
struct JudgeThresholdTests {
    static func looks(_ intervals: [(requests: Double, errors: Double)]) -> [AnalysisLook] {
        var out: [AnalysisLook] = []
        var r = 0.0, e = 0.0
        for (i, interval) in intervals.enumerated() {
            r += interval.requests
            e += interval.errors
            out.append(AnalysisLook(elapsed: Double(i + 1) * 60, baseline: GroupCounters(requests: r, errors: 0),
                                    canary: GroupCounters(requests: r, errors: e)))
        }
        return out
    }

    static let spec = AnalysisSpec(judge: .threshold, metrics: [AnalysisMetricSpec(name: "error-rate", kind: .errorRate, max: 0.01, failureLimit: 2)])

    @Test("fails when failureLimit intervals are out of range, counted over the whole analysis")
    func failureLimit() {
        let judge = ThresholdJudge(spec: Self.spec)
        let one = Self.looks([(1000, 20), (1000, 1), (1000, 2)])
        #expect(judge.judge(one, final: false).verdict == .inconclusive)
        #expect(judge.judge(one, final: true).verdict == .pass)
        let two = Self.looks([(1000, 20), (1000, 1), (1000, 2), (1000, 30)])
        let verdict = judge.judge(two, final: false)
        #expect(verdict.verdict == .fail)
        #expect(verdict.reason.contains("out of range in 2 intervals (limit 2)"))
        #expect(verdict.reason.contains("3.0% > max 1.0%"))
    }

    @Test("exactly at max is in range; a metric without max is not checked")
    func boundaries() {
        #expect(ThresholdJudge(spec: Self.spec).judge(Self.looks([(1000, 10), (1000, 10), (1000, 10)]), final: true).verdict == .pass)
        var spec = Self.spec
        spec.metrics[0].max = nil
        #expect(ThresholdJudge(spec: spec).judge(Self.looks([(1000, 500), (1000, 500)]), final: true).verdict == .pass)
    }

    @Test("a min/max range: below min is out of range too (Flagger's thresholdRange)")
    func range() {
        var spec = Self.spec
        spec.metrics[0].min = 0.002
        let judge = ThresholdJudge(spec: spec)
        let quiet = Self.looks([(1000, 5), (1000, 1), (1000, 0)])
        let verdict = judge.judge(quiet, final: false)
        #expect(verdict.verdict == .fail)
        #expect(verdict.reason.contains("out of range in 2 intervals (limit 2), 0.0% < min 0.20%"), "\(verdict.reason)")
        let inRange = judge.judge(Self.looks([(1000, 5), (1000, 3), (1000, 10)]), final: true)
        #expect(inRange.verdict == .pass && inRange.reason.contains("min 0.20%, max 1.0%"), "\(inRange.reason)")
        spec.metrics[0].max = nil
        #expect(ThresholdJudge(spec: spec).judge(Self.looks([(1000, 500), (1000, 500)]), final: true).verdict == .pass, "min only: no upper bound")
    }

    @Test("never fails before minSamples; no data at the deadline fails")
    func lowTraffic() {
        let judge = ThresholdJudge(spec: Self.spec)
        let tiny = Self.looks([(10, 5), (10, 5), (10, 5)])
        #expect(judge.judge(tiny, final: false).verdict == .inconclusive)
        #expect(judge.judge(tiny, final: true).verdict == .inconclusive)
        // Once the canary has enough requests, the failures it already had count.
        let grown = Self.looks([(10, 5), (10, 5), (200, 0)])
        #expect(judge.judge(grown, final: false).verdict == .fail)
        #expect(judge.judge([], final: true).verdict == .fail)
    }

    @Test("latency p99 per interval, as histogram_quantile reads it")
    func latency() {
        let bounds = [0.1, 0.25, 0.5, 1, Double.infinity]
        let cumulative = [LatencyBucket]([.init(le: 0.1, count: 900), .init(le: 0.25, count: 980), .init(le: 0.5, count: 990),
                                          .init(le: 1, count: 1000), .init(le: .infinity, count: 1000)])
        let (b, counts) = HistogramMath.perBucket(cumulative)
        #expect(b == bounds)
        #expect(counts == [900, 80, 10, 10, 0])
        #expect(abs(HistogramMath.quantile(0.99, bounds: b, counts: counts) - 0.5) < 1e-12)
        #expect(abs(HistogramMath.quantile(0.5, bounds: b, counts: counts) - 0.1 * 500 / 900) < 1e-12)
        #expect(abs(HistogramMath.quantile(0.995, bounds: b, counts: counts) - 0.75) < 1e-12)
        #expect(HistogramMath.quantile(0.99, bounds: [0.1, .infinity], counts: [0, 10]) == 0.1)
        #expect(HistogramMath.quantile(0.5, bounds: b, counts: [0, 0, 0, 0, 0]).isNaN)
        let look = AnalysisLook(elapsed: 60, baseline: GroupCounters(requests: 1000, latencyBuckets: cumulative),
                                canary: GroupCounters(requests: 1000, latencyBuckets: cumulative))
        let spec = AnalysisSpec(judge: .threshold, metrics: [AnalysisMetricSpec(name: "latency", kind: .latency, max: 0.4, failureLimit: 1)])
        let verdict = ThresholdJudge(spec: spec).judge([look], final: false)
        #expect(verdict.verdict == .fail)
        #expect(verdict.reason.contains("latency p99 out of range in 1 intervals"))
        #expect(verdict.metrics[0].canaryValue == 0.5)
    }

    @Test("the factory builds the judge the spec names")
    func factory() {
        #expect(JudgeFactory.make(AnalysisSpec(judge: .sequential)) is SequentialJudge)
        #expect(JudgeFactory.make(AnalysisSpec(judge: .mannWhitney)) is MannWhitneyJudge)
        #expect(JudgeFactory.make(AnalysisSpec(judge: .threshold)) is ThresholdJudge)
        #expect(JudgeFactory.make(.default) is SequentialJudge)
    }

    @Test("numbers in reasons")
    func text() {
        #expect(JudgeText.count(1840) == "1,840")
        #expect(JudgeText.count(1_234_567) == "1,234,567")
        #expect(JudgeText.count(12) == "12")
        #expect(JudgeText.percent(0.039) == "3.9%")
        #expect(JudgeText.percent(0.005) == "0.50%")
        #expect(JudgeText.percent(0) == "0.0%")
        #expect(JudgeText.fixed(4.60517, 2) == "4.61")
        #expect(JudgeText.fixed(-0.004, 2) == "0.00")
        #expect(JudgeText.fixed(-1.5, 1) == "-1.5")
        #expect(JudgeText.latency(0.132) == "132 ms")
        #expect(JudgeText.alpha(0.01) == "0.01")
        #expect(JudgeText.alpha(0.005) == "0.005")
        // A bound that passed reads below its limit, never as the limit.
        #expect(JudgeText.percent(0.0196, apartFrom: 0.02) == "1.96%")
        #expect(JudgeText.percent(0.01996, apartFrom: 0.02) == "1.996%")
        #expect(JudgeText.percent(0.0150, apartFrom: 0.02) == "1.5%")
        #expect(JudgeText.fixed(1.4996, apartFrom: 1.5, 2) == "1.4996")
        #expect(JudgeText.fixed(49.6, apartFrom: 50, 0) == "49.6")
        #expect(JudgeText.fixed(2, apartFrom: 2, 1) == "2.0")
    }

    @Test("intervals: differences of consecutive looks; a counter going back drops the interval")
    func intervals() {
        let looks = [AnalysisLook(elapsed: 5, baseline: GroupCounters(requests: 100, errors: 1), canary: GroupCounters(requests: 90, errors: 2)),
                     AnalysisLook(elapsed: 10, baseline: GroupCounters(requests: 250, errors: 2), canary: GroupCounters(requests: 200, errors: 2)),
                     AnalysisLook(elapsed: 15, baseline: GroupCounters(requests: 40, errors: 0), canary: GroupCounters(requests: 300, errors: 5))]
        let intervals = IntervalCounts.of(looks)
        #expect(intervals.count == 2)
        #expect(intervals[0].baseline.requests == 100 && intervals[0].canary.errors == 2)
        #expect(intervals[1].baseline.requests == 150 && intervals[1].canary.requests == 110 && intervals[1].canary.errors == 0)
    }
}
