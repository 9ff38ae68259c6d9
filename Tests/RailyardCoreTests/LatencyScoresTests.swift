import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// The latency e-process's bucket scores (`LatencyScores`): how much of the information a request holds on
/// a slower canary they carry, against the true scale score of the histogram the requests come from.
@Suite("Judge: latency bucket scores")
struct LatencyScoresTests {
    static let bounds = CanaryTrafficModel.demoBounds + [Double.infinity]

    static func model(median: Double = 0.03, sigma: Double = 0.4, slowShare: Double = 0, shift: Double = 0) -> CanaryTrafficModel {
        var model = CanaryTrafficModel(requestsPerSecond: 20, latencyMedian: median, latencySigma: sigma, latencyShift: shift, bounds: CanaryTrafficModel.demoBounds)
        model.slowShare = slowShare
        model.slowFactor = 10
        return model
    }

    /// The share of the Fisher information on log-scale a test with `scores` keeps: corr², under the bucket
    /// probabilities `p`, between the scores and the true scale score d/dδ log p_j(e^δ), taken by a finite
    /// difference of the model's own bucket probabilities (no interpolation).
    static func efficiency(_ scores: [Double], _ model: CanaryTrafficModel) -> Double {
        let h = 1e-5
        let p = model.bucketProbabilities(canary: false)
        var slower = model
        slower.latencyShift = h
        let q = slower.bucketProbabilities(canary: true)
        let truth = zip(p, q).map { p, q in p > 1e-15 ? (log(q) - log(p)) / h : 0 }
        func mean(_ x: [Double]) -> Double { zip(x, p).reduce(0) { $0 + $1.0 * $1.1 } }
        let ms = mean(scores), mt = mean(truth)
        var cov = 0.0, vs = 0.0, vt = 0.0
        for j in p.indices {
            cov += p[j] * (scores[j] - ms) * (truth[j] - mt)
            vs += p[j] * (scores[j] - ms) * (scores[j] - ms)
            vt += p[j] * (truth[j] - mt) * (truth[j] - mt)
        }
        return cov * cov / (vs * vt)
    }

    static func pooled(_ model: CanaryTrafficModel, requests: Double) -> [Double] {
        model.bucketProbabilities(canary: false).map { $0 * requests }
    }

    @Test("a log-normal: the scores carry all the information, as normal scores do")
    func logNormalKeepsEverything() {
        for (median, sigma) in [(0.12, 0.5), (0.03, 0.4), (0.3, 1.0)] {
            let model = Self.model(median: median, sigma: sigma)
            let pooled = Self.pooled(model, requests: 100_000)
            let scores = LatencyScores.scores(bounds: Self.bounds, pooled: pooled)
            #expect(Self.efficiency(scores, model) > 0.995, "median \(median) σ \(sigma): \(Self.efficiency(scores, model))")
            #expect(Self.efficiency(LatencyScores.normalScores(pooled), model) > 0.995)
        }
    }

    @Test("two modes: the scale score keeps 70–90% of the information, normal scores 30–72%")
    func twoModesKeepMoreThanNormalScores() {
        // (share of requests 10× slower, at least kept by the scores, at most kept by normal scores); the
        // values a numerical integration of the same model gives are 0.87/0.72, 0.80/0.42, 0.71/0.30.
        for (share, kept, normalKept) in [(0.05, 0.85, 0.73), (0.2, 0.78, 0.44), (0.5, 0.69, 0.32)] {
            let model = Self.model(slowShare: share)
            let pooled = Self.pooled(model, requests: 100_000)
            let scores = Self.efficiency(LatencyScores.scores(bounds: Self.bounds, pooled: pooled), model)
            let normal = Self.efficiency(LatencyScores.normalScores(pooled), model)
            #expect(scores >= kept, "slow share \(share): scores keep \(scores)")
            #expect(normal <= normalKept, "slow share \(share): normal scores keep \(normal)")
        }
    }

    @Test("few requests: the scores lean on the normal scores; many: on the histogram's own shape")
    func shrinkageFollowsThePool() {
        let model = Self.model(slowShare: 0.2)
        func correlationWithNormal(_ requests: Double) -> Double {
            let pooled = Self.pooled(model, requests: requests)
            let a = LatencyScores.scores(bounds: Self.bounds, pooled: pooled), b = LatencyScores.normalScores(pooled)
            let total = pooled.reduce(0, +)
            let ma = zip(a, pooled).reduce(0) { $0 + $1.0 * $1.1 } / total, mb = zip(b, pooled).reduce(0) { $0 + $1.0 * $1.1 } / total
            var cov = 0.0, va = 0.0, vb = 0.0
            for j in pooled.indices {
                cov += pooled[j] * (a[j] - ma) * (b[j] - mb)
                va += pooled[j] * (a[j] - ma) * (a[j] - ma)
                vb += pooled[j] * (b[j] - mb) * (b[j] - mb)
            }
            return cov / (va * vb).squareRoot()
        }
        let few = correlationWithNormal(10), many = correlationWithNormal(100_000)
        #expect(few > 0.97, "10 requests: \(few)")
        #expect(many < 0.85, "100,000 requests: \(many)")
        // The scores keep the normal scores' spread, so the judge's shifts keep their unit.
        let pooled = Self.pooled(model, requests: 100_000)
        let total = pooled.reduce(0, +)
        func spread(_ s: [Double]) -> Double {
            let m = zip(s, pooled).reduce(0) { $0 + $1.0 * $1.1 } / total
            return (zip(s, pooled).reduce(0) { $0 + $1.1 * ($1.0 - m) * ($1.0 - m) } / total).squareRoot()
        }
        #expect(abs(spread(LatencyScores.scores(bounds: Self.bounds, pooled: pooled)) / spread(LatencyScores.normalScores(pooled)) - 1) < 1e-9)
    }

    @Test("nothing to read: one bucket with requests, or none, gives the normal scores")
    func degenerateHistogramsFallBack() {
        var one = [Double](repeating: 0, count: Self.bounds.count)
        one[5] = 40
        #expect(LatencyScores.scaleScores(bounds: Self.bounds, pooled: one) == nil)
        #expect(LatencyScores.scores(bounds: Self.bounds, pooled: one) == LatencyScores.normalScores(one))
        let none = [Double](repeating: 0, count: Self.bounds.count)
        #expect(LatencyScores.scores(bounds: Self.bounds, pooled: none) == LatencyScores.normalScores(none))
        // A histogram with a bound at 0 (le="0") and requests in it: finite scores, slower buckets higher.
        let zeroFirst: [Double] = [0, 0.01, 0.1, .infinity]
        let scores = LatencyScores.scores(bounds: zeroFirst, pooled: [5, 300, 600, 20])
        let finite = scores.allSatisfy { $0.isFinite }
        #expect(finite, "\(scores)")
        #expect(scores[1] < scores[2] && scores[2] < scores[3], "\(scores)")
    }

    @Test("two modes, +20% against +10% tolerated at 20 req/s: failed in every analysis, in a third fewer requests than with normal scores")
    func twoModeRegressionIsCaughtSooner() async {
        let result = await OffPool.run { () -> (fails: Int, meanRequests: Double) in
            let spec = AnalysisSpec(alpha: 0.01, metrics: [AnalysisMetricSpec(name: "latency", kind: .latency, allowedIncrease: 0.1)])
            var fails = 0, requests = 0.0
            for seed in UInt64(0)..<60 {
                var simulator = CanaryStreamSimulator(model: Self.model(slowShare: 0.2, shift: 0.2), seed: seed &+ 311)
                var tracker = SequentialJudge(spec: spec).tracker()
                for _ in 0..<360 {
                    let look = simulator.step(seconds: 5)
                    tracker.observe(look)
                    if let verdict = tracker.decided {
                        if verdict == .fail { fails += 1 }
                        requests += Double(look.canary.requests + look.baseline.requests)
                        break
                    }
                }
            }
            return (fails, requests / 60)
        }
        #expect(result.fails == 60, "\(result.fails) of 60 failed")
        // These analyses took 3,825 requests on average with normal scores, 2,591 now (the bench, both metrics
        // watched at α/2 each: 5,034, ×3.9 the oracle's 1,303, against 3,279).
        #expect(result.meanRequests < 3_200, "mean requests to the fail: \(result.meanRequests)")
    }
}
