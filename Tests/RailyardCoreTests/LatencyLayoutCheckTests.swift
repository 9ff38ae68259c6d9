import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// `LatencyLayoutCheck`: a bucket layout the sequential judge could never pass latency on is named before a
/// rollout, with the judge's own reason; a layout it can read is not.
@Suite("Latency bucket layout against the analysis's latency metrics")
struct LatencyLayoutCheckTests {
    static func histogram(_ bounds: [Double], _ perBucket: [Double]) -> [LatencyBucket] {
        var cumulative = 0.0
        precondition(perBucket.count == bounds.count + 1, "one count per bound, and one for +Inf")
        return zip(bounds + [.infinity], perBucket).map { bound, count in
            cumulative += count
            return LatencyBucket(le: bound, count: cumulative)
        }
    }

    static func spec(_ metrics: [AnalysisMetricSpec], judge: AnalysisSpec.JudgeKind = .sequential) -> AnalysisSpec {
        var spec = AnalysisSpec.default
        spec.judge = judge
        spec.metrics = metrics
        return spec
    }

    static func shift(_ allowed: Double) -> AnalysisMetricSpec {
        var metric = AnalysisMetricSpec(name: "latency", kind: .latency)
        metric.allowedIncrease = allowed
        return metric
    }

    static func tail(_ quantile: Double) -> AnalysisMetricSpec {
        var metric = AnalysisMetricSpec(name: "latency-p\(Int(quantile * 100))", kind: .latency)
        metric.quantile = quantile
        return metric
    }

    /// The demo fleet's bounds, with a log-normal latency (median 120 ms, σ 0.5) spread over them.
    static let spread = histogram(CanaryTrafficModel.demoBounds,
                                  CanaryTrafficModel(requestsPerSecond: 1, bounds: CanaryTrafficModel.demoBounds).bucketProbabilities(canary: false).map { $0 * 10_000 })

    @Test("requests spread over the buckets: every latency metric can be judged")
    func spreadIsFine() {
        #expect(LatencyLayoutCheck.check(Self.spec([Self.shift(0.1), Self.tail(0.99)]), histogram: Self.spread) == .fine)
    }

    @Test("every request in one bucket: no shift can be seen, whatever the tolerance")
    func oneBucket() throws {
        // The demo's services on loopback: every request within the first bound, 1 ms.
        let loopback = Self.histogram([0.001, 0.0025, 0.005], [1_000, 0, 0, 0])
        for allowed in [0, 0.1] {
            let outcome = LatencyLayoutCheck.check(Self.spec([Self.shift(allowed)]), histogram: loopback)
            guard case .problems(let problems) = outcome else { Issue.record("\(outcome)"); continue }
            #expect(problems.map(\.metric) == ["latency"])
            #expect(problems[0].reason == "every one of today's 1,000 requests falls in one latency bucket (they answered within 1.0 ms), "
                    + "so no shift can be seen: latency cannot pass (finer buckets around the usual latency fix it)", "\(problems[0].reason)")
        }
    }

    @Test("a tolerance with fewer than two bounds inside the central 98%: the judge's own reason, and the judge never passes on it")
    func tooCoarseForTheTolerance() throws {
        // Half the requests within 1 ms, half between 1 ms and 10 s: one bound (1 ms) inside the central 98%.
        let coarse = Self.histogram([0.001, 10], [500, 500, 0])
        let outcome = LatencyLayoutCheck.check(Self.spec([Self.shift(0.1)]), histogram: coarse)
        guard case .problems(let problems) = outcome else { Issue.record("\(outcome)"); return }
        #expect(problems[0].reason == LatencyLayoutCheck.coarseReason(bounds: [0.001, 10, .infinity], allowedIncrease: 0.1)
                + "; 98% of today's 1,000 requests answered within 10.0 s", "\(problems[0].reason)")
        #expect(problems[0].reason.hasPrefix("the latency buckets (0.001, 10, +Inf) are too coarse for the +10% tolerance"))
        // Without a tolerance the shift test is exact on any layout with two buckets in use.
        #expect(LatencyLayoutCheck.check(Self.spec([Self.shift(0)]), histogram: coarse) == .fine)
        // What the check foresees, the judge does: on these bounds a +10% tolerance never passes, with the same words.
        var spec = Self.spec([Self.shift(0.1)])
        spec.interval = .seconds(10)
        var rng = Xoshiro256StarStar(seed: 0x1A70)
        var looks: [AnalysisLook] = []
        var baseline = [0.0, 0.0, 0.0], canary = [0.0, 0.0, 0.0]
        for step in 1...60 {
            for _ in 0..<200 {
                baseline[rng.uniform() < 0.5 ? 0 : 1] += 1
                canary[rng.uniform() < 0.5 ? 0 : 1] += 1
            }
            let b = Self.histogram([0.001, 10], baseline), c = Self.histogram([0.001, 10], canary)
            looks.append(AnalysisLook(elapsed: Double(10 * step), baseline: GroupCounters(requests: baseline.reduce(0, +), latencyBuckets: b),
                                      canary: GroupCounters(requests: canary.reduce(0, +), latencyBuckets: c)))
        }
        let judgement = SequentialJudge(spec: spec).judge(looks, final: true)
        #expect(judgement.verdict == .inconclusive)
        #expect(judgement.reason.contains(LatencyLayoutCheck.coarseReason(bounds: [0.001, 10, .infinity], allowedIncrease: 0.1)), "\(judgement.reason)")
    }

    @Test("a quantile above the last finite bound cannot be read; one below it can")
    func tailAboveTheLastBound() throws {
        let bounds = [0.1, 0.25, 0.5]
        // 5% of requests slower than 500 ms: the p99 is in +Inf, the p95 is read at 500 ms.
        let slow = Self.histogram(bounds, [600, 300, 50, 50])
        let outcome = LatencyLayoutCheck.check(Self.spec([Self.tail(0.99), Self.tail(0.95)]), histogram: slow)
        guard case .problems(let problems) = outcome else { Issue.record("\(outcome)"); return }
        #expect(problems.map(\.metric) == ["latency-p99"])
        #expect(problems[0].reason.hasPrefix("the baseline's p99 lies above the largest finite latency bucket (500 ms)"), "\(problems[0].reason)")
        // As the judge does, a p99 is placed only once 1,000 requests are in: on 300, three slow ones say nothing yet.
        let early = Self.histogram(bounds, [180, 90, 15, 15])
        #expect(LatencyLayoutCheck.check(Self.spec([Self.tail(0.99)]), histogram: early) == .tooFewRequests(300))
        #expect(LatencyLayoutCheck.check(Self.spec([Self.tail(0.95)]), histogram: early) == .fine, "a p95 is placed on 200")
    }

    @Test("a metric on the service's own histogram is checked against that histogram; one the service does not expose is named")
    func ownHistogram() throws {
        var settle = Self.shift(0.1)
        settle.name = "settlement"
        settle.histogram = "payin_settlement_seconds"
        let spec = Self.spec([Self.shift(0.1), settle])
        let oneBucket = Self.histogram([0.005, 0.01], [500, 0, 0])
        var counters = GroupCounters(requests: 500, latencyBuckets: Self.spread, histograms: ["payin_settlement_seconds": oneBucket])
        guard case .problems(let problems) = LatencyLayoutCheck.check(spec, counters: counters) else { Issue.record("expected a problem"); return }
        #expect(problems.map(\.metric) == ["settlement"], "the HTTP latency is spread, the settlement is not: \(problems)")
        counters.histograms = [:]
        guard case .problems(let missing) = LatencyLayoutCheck.check(spec, counters: counters) else { Issue.record("expected a problem"); return }
        #expect(missing.map(\.reason) == ["the service exposes no payin_settlement_seconds histogram (no payin_settlement_seconds_bucket series) after 500 requests: "
                                           + "this metric cannot be judged (is the name right?)"])
        counters.requests = 50
        #expect(LatencyLayoutCheck.check(spec, counters: counters) == .tooFewRequests(50))
        counters = GroupCounters(requests: 10_000, latencyBuckets: Self.spread, histograms: ["payin_settlement_seconds": Self.spread])
        #expect(LatencyLayoutCheck.check(spec, counters: counters) == .fine)
    }

    @Test("too few requests to say, no histogram at all, and judges the rules do not apply to")
    func edges() {
        let few = Self.histogram([0.001, 0.0025], [150, 0, 0])
        #expect(LatencyLayoutCheck.check(Self.spec([Self.shift(0.1)]), histogram: few) == .tooFewRequests(150))
        let none = [LatencyBucket(le: .infinity, count: 5_000)]
        guard case .problems(let problems) = LatencyLayoutCheck.check(Self.spec([Self.shift(0.1)]), histogram: none) else {
            Issue.record("no histogram must be a problem"); return
        }
        #expect(problems[0].reason.hasPrefix("the service exposes no latency histogram"))
        // A service that exposes its histogram once it has served a request: none yet is too few, not a missing histogram.
        #expect(LatencyLayoutCheck.check(Self.spec([Self.shift(0.1)]), histogram: [], requests: 0) == .tooFewRequests(0))
        #expect(LatencyLayoutCheck.check(Self.spec([Self.shift(0.1)]), histogram: [], requests: 5_000) != .fine, "traffic without a histogram is a problem")
        // Kayenta's judge compares means, Flagger's a p99 against a threshold: neither reads a shift against the buckets.
        let loopback = Self.histogram([0.001], [1_000, 0])
        #expect(LatencyLayoutCheck.check(Self.spec([Self.shift(0.1)], judge: .mannWhitney), histogram: loopback) == .fine)
        #expect(LatencyLayoutCheck.check(Self.spec([AnalysisMetricSpec(name: "error-rate", kind: .errorRate)]), histogram: loopback) == .fine)
    }
}

/// `LatencyLayoutCheck.toleranceGaps`: where two modes through coarse buckets leave a gap around the latency
/// tolerance, the warning gives it in numbers; one mode leaves none.
@Suite("Latency tolerance gaps before a rollout")
struct LatencyToleranceGapTests {
    static func counters(slowShare: Double, requests: Double = 20_000) -> GroupCounters {
        var model = CanaryTrafficModel(requestsPerSecond: 1, latencyMedian: 0.03, latencySigma: 0.4, bounds: CanaryTrafficModel.demoBounds)
        model.slowShare = slowShare
        model.slowFactor = 10
        let perBucket = model.bucketProbabilities(canary: false).map { ($0 * requests).rounded() }
        var counters = GroupCounters(latencyBuckets: LatencyLayoutCheckTests.histogram(CanaryTrafficModel.demoBounds, perBucket))
        counters.requests = perBucket.reduce(0, +)
        return counters
    }

    @Test("one mode: the tolerance is placed exactly, no warning")
    func oneModeHasNoGap() throws {
        let counters = Self.counters(slowShare: 0)
        let (bounds, counts) = HistogramMath.perBucket(counters.latencyBuckets)
        let zone = try #require(ToleratedShift.zone(tolerance: 0.1, bounds: bounds, pooled: counts))
        #expect(abs(zone.passedBelow - 0.1) < 0.002 && abs(zone.failedAbove - 0.1) < 0.002, "\(zone)")
        #expect(LatencyLayoutCheck.toleranceGaps(LatencyLayoutCheckTests.spec([LatencyLayoutCheckTests.shift(0.1)]), counters: counters).isEmpty)
    }

    @Test("two modes through the demo's buckets: the gap around +10%, in numbers, and what narrows it")
    func twoModesHaveAGap() throws {
        let counters = Self.counters(slowShare: 0.2)
        let (bounds, counts) = HistogramMath.perBucket(counters.latencyBuckets)
        let zone = try #require(ToleratedShift.zone(tolerance: 0.1, bounds: bounds, pooled: counts))
        // The simulated analyses (docs/judges.md): at +11% at most 1 of 100 failed, at +15% all 100; within +3%
        // at least 90 passed. The gap must hold the tolerance and sit inside what they show.
        #expect(zone.passedBelow < 0.1 && zone.passedBelow > 0.03, "\(zone)")
        #expect(zone.failedAbove > 0.1 && zone.failedAbove < 0.15, "\(zone)")
        let gaps = LatencyLayoutCheck.toleranceGaps(LatencyLayoutCheckTests.spec([LatencyLayoutCheckTests.shift(0.1), LatencyLayoutCheckTests.tail(0.99)]),
                                                    counters: counters)
        try #require(gaps.count == 1, "the tail has no gap: \(gaps)")
        #expect(gaps[0].metric == "latency")
        #expect(gaps[0].reason.hasPrefix("on today's histogram the buckets place the +10.0% tolerance only between +"), "\(gaps[0].reason)")
        #expect(gaps[0].reason.contains("a latency metric with `quantile` has none"))
        // Not a refusal: the layout itself can carry the metric.
        #expect(LatencyLayoutCheck.check(LatencyLayoutCheckTests.spec([LatencyLayoutCheckTests.shift(0.1)]), counters: counters) == .fine)
    }

    @Test("too few requests, or no tolerance: nothing to say")
    func nothingToSay() {
        let few = Self.counters(slowShare: 0.2, requests: 100)
        #expect(LatencyLayoutCheck.toleranceGaps(LatencyLayoutCheckTests.spec([LatencyLayoutCheckTests.shift(0.1)]), counters: few).isEmpty)
        let many = Self.counters(slowShare: 0.2)
        #expect(LatencyLayoutCheck.toleranceGaps(LatencyLayoutCheckTests.spec([LatencyLayoutCheckTests.shift(0)]), counters: many).isEmpty)
    }
}
