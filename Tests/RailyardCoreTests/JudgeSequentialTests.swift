import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// The sequential judge: its exact e-values, its mixture, its false-positive rate under continuous
/// monitoring (A/A), its power (regressions), and its behaviour with little traffic.
@Suite("Judge: sequential")
struct JudgeSequentialTests {
    // MARK: - Helpers

    static func stream(_ model: CanaryTrafficModel, seed: UInt64, seconds: Double, every step: Double) -> [AnalysisLook] {
        var simulator = CanaryStreamSimulator(model: model, seed: seed)
        return (0..<Int((seconds / step).rounded())).map { _ in simulator.step(seconds: step) }
    }

    /// log P(X = x) for X ~ Hypergeometric(population, successes, draws), straight from binomial coefficients.
    static func logPMF(_ x: Int, population: Int, successes: Int, draws: Int) -> Double {
        JudgeMath.logChoose(successes, x) + JudgeMath.logChoose(population - successes, draws - x) - JudgeMath.logChoose(population, draws)
    }

    static func support(population: Int, successes: Int, draws: Int) -> ClosedRange<Int> {
        max(0, draws - (population - successes))...min(draws, successes)
    }

    static func counts(requests: Int, errors: Int) -> IntervalCounts {
        IntervalCounts(requests: Double(requests), errors: Double(errors), buckets: [], bounds: [])
    }

    static let errorSpec = AnalysisSpec(alpha: 0.01, metrics: [AnalysisMetricSpec(name: "error-rate", kind: .errorRate)])
    static let latencySpec = AnalysisSpec(alpha: 0.01, metrics: [AnalysisMetricSpec(name: "latency", kind: .latency)])

    // MARK: - Known answers: the e-value's normaliser

    @Test("log E[ω^X] of the hypergeometric matches scipy")
    func hypergeometricMatchesScipy() {
        for (population, successes, draws, logOmega, expected) in JudgeReference.hypergeometricLogMGF {
            let value = HypergeometricTilt(population: population, successes: successes, draws: draws).logMGF(logOmega: logOmega)
            #expect(abs(value - expected) < 1e-9 * max(1, abs(expected)), "N=\(population) K=\(successes) T=\(draws) logω=\(logOmega)")
        }
    }

    @Test("log E[ω^X] matches direct enumeration, large pools and extreme tilts included")
    func hypergeometricMatchesEnumeration() {
        for (population, successes, draws) in [(5000, 2500, 3000), (3000, 1490, 40), (900, 450, 899), (60, 1, 30), (8000, 4100, 6)] {
            let tilt = HypergeometricTilt(population: population, successes: successes, draws: draws)
            for logOmega in [-6.0, -1.5, -0.1, 0, 0.02, 0.7, 3.0, 8.0] {
                let terms = Self.support(population: population, successes: successes, draws: draws).map {
                    Self.logPMF($0, population: population, successes: successes, draws: draws) + Double($0) * logOmega
                }
                let direct = JudgeMath.logSumExp(terms)
                #expect(abs(tilt.logMGF(logOmega: logOmega) - direct) < 1e-8 * max(1, abs(direct)))
            }
        }
    }

    @Test("normal quantile matches scipy")
    func normalQuantile() {
        for (p, expected) in JudgeReference.normalQuantile {
            #expect(abs(JudgeMath.normalQuantile(p) - expected) < 1e-12 * max(1, abs(expected)))
        }
    }

    // MARK: - The boundary: exact martingale property, and a direct simulation

    @Test("latency e-values have expectation exactly 1 under the null (all canary splits of a small histogram enumerated)")
    func latencyEValueIsExact() {
        let totals = [3, 5, 4, 2]  // pooled requests per bucket in the interval
        let canaryTotal = 6
        let pooledSoFar = [30.0, 50, 40, 20]
        let bounds = [0.05, 0.1, 0.25, Double.infinity]
        var expectation = 0.0
        var probability = 0.0
        func visit(_ j: Int, _ chosen: [Int]) {
            if j == totals.count {
                guard chosen.reduce(0, +) == canaryTotal else { return }
                // multivariate hypergeometric probability of this split
                var logP = -JudgeMath.logChoose(totals.reduce(0, +), canaryTotal)
                for (t, c) in zip(totals, chosen) { logP += JudgeMath.logChoose(t, c) }
                var evidence = MetricEvidence(allowedIncrease: 0)
                let canary = IntervalCounts(requests: Double(canaryTotal), errors: 0, buckets: chosen.map(Double.init), bounds: bounds)
                let baseline = IntervalCounts(requests: Double(totals.reduce(0, +) - canaryTotal), errors: 0,
                                              buckets: zip(totals, chosen).map { Double($0 - $1) }, bounds: bounds)
                evidence.add(baseline: baseline, canary: canary, pooled: pooledSoFar)
                probability += exp(logP)
                expectation += exp(logP) * (exp(evidence.failStatistic) + exp(evidence.passStatistic)) / 2
                return
            }
            for c in 0...totals[j] { visit(j + 1, chosen + [c]) }
        }
        visit(0, [])
        #expect(abs(probability - 1) < 1e-12)
        #expect(abs(expectation - 1) < 1e-9)
    }

    @Test("direct simulation: the fraction of null streams ever failed stays ≤ α (error-rate sequences, latency e-process)")
    func nullCrossingRate() async {
        // α = 0.05 so that the rate is measurable with few runs; event-rich streams (2% errors, 40 req/s a
        // group) watched at every one of 100 looks.
        let alpha = 0.05
        let boundary = log(1 / alpha)
        let runs = 200
        let (errorCrossings, latencyCrossings) = await OffPool.run { () -> (Int, Int) in
        var errorCrossings = 0, latencyCrossings = 0
        let errorModel = CanaryTrafficModel(requestsPerSecond: 40, baselineErrorRate: 0.02)
        let latencyModel = CanaryTrafficModel(requestsPerSecond: 8, baselineErrorRate: 0, bounds: CanaryTrafficModel.demoBounds)
        for run in 0..<runs {
            var errors = ErrorRateEvidence(allowedIncrease: 0, acceptableRate: 0, alpha: alpha)
            var latency = MetricEvidence(allowedIncrease: 0)
            var e = CanaryStreamSimulator(model: errorModel, seed: UInt64(run))
            var l = CanaryStreamSimulator(model: latencyModel, seed: UInt64(run) &+ 1_000_000)
            var previousE = e.look, previousL = l.look
            var crossedE = false, crossedL = false
            for _ in 0..<100 {
                let le = e.step(seconds: 5), ll = l.step(seconds: 5)
                errors.add(baseline: IntervalCounts.between(previousE.baseline, le.baseline)!, canary: IntervalCounts.between(previousE.canary, le.canary)!)
                let pooled = zip(HistogramMath.perBucket(ll.baseline.latencyBuckets).counts, HistogramMath.perBucket(ll.canary.latencyBuckets).counts).map { $0 + $1 }
                latency.add(baseline: IntervalCounts.between(previousL.baseline, ll.baseline)!, canary: IntervalCounts.between(previousL.canary, ll.canary)!, pooled: pooled)
                previousE = le
                previousL = ll
                crossedE = crossedE || errors.reading().verdict == .fail
                crossedL = crossedL || latency.failStatistic >= boundary
            }
            if crossedE { errorCrossings += 1 }
            if crossedL { latencyCrossings += 1 }
        }
        return (errorCrossings, latencyCrossings)
        }
        #expect(Double(errorCrossings) / Double(runs) <= alpha, "error-rate: \(errorCrossings) of \(runs) null runs crossed")
        #expect(Double(latencyCrossings) / Double(runs) <= alpha, "latency: \(latencyCrossings) of \(runs) null runs crossed")
    }

    // MARK: - A/A, regressions, low traffic

    @Test("A/A at the defaults: at most 1% of 1,000 simulated analyses fail; those that pass earned it, the rest stay inconclusive")
    func aa() async {
        let (passed, failed) = await OffPool.run { () -> (Int, Int) in
        let spec = AnalysisSpec(alpha: 0.01, maxDuration: .seconds(300), interval: .seconds(10))
        let model = CanaryTrafficModel(requestsPerSecond: 10, bounds: CanaryTrafficModel.demoBounds)
        var passed = 0, failed = 0
        for run in 0..<1000 {
            var tracker = SequentialJudge(spec: spec).tracker()
            var simulator = CanaryStreamSimulator(model: model, seed: 0xAA00 &+ UInt64(run))
            for _ in 0..<30 where tracker.decided == nil { tracker.observe(simulator.step(seconds: 10)) }
            let judgement = tracker.judgement(final: true)
            switch judgement.verdict {
            case .pass: passed += 1
            case .fail: failed += 1
            case .inconclusive: break
            }
        }
        return (passed, failed)
        }
        print("A/A at 10 req/s a group for 300 s: \(passed) passed, \(failed) failed, \(1000 - passed - failed) inconclusive of 1,000")
        #expect(failed <= 10, "\(failed) of 1,000 A/A analyses failed")
    }

    @Test("an earned pass: at 200 req/s a group (0.5% errors: ~600 a group in 10 minutes), good canaries pass at the defaults, each with its bounds")
    func earnedPass() async {
        let (passed, failed, reason) = await OffPool.run { () -> (Int, Int, String) in
            let spec = AnalysisSpec(alpha: 0.01, maxDuration: .seconds(600), interval: .seconds(10))
            let model = CanaryTrafficModel(requestsPerSecond: 200, bounds: CanaryTrafficModel.demoBounds)
            var passed = 0, failed = 0, reason = ""
            for run in 0..<100 {
                var tracker = SequentialJudge(spec: spec).tracker()
                var simulator = CanaryStreamSimulator(model: model, seed: 0xEA00 &+ UInt64(run))
                for _ in 0..<60 where tracker.decided == nil { tracker.observe(simulator.step(seconds: 10)) }
                let judgement = tracker.judgement(final: true)
                if judgement.verdict == .pass { passed += 1; reason = judgement.reason }
                if judgement.verdict == .fail { failed += 1 }
            }
            return (passed, failed, reason)
        }
        print("A/A at 200 req/s a group for 600 s: \(passed) of 100 passed; e.g. \(reason)")
        #expect(failed == 0)
        #expect(passed >= 90, "\(passed) of 100 good canaries passed")
        #expect(reason.contains("error rate at most +") && reason.contains("% of baseline (ratio ≤ ") && reason.contains("within the tolerated +50%"), "\(reason)")
        #expect(reason.contains("an increase over +10% ruled out"), "\(reason)")
    }

    @Test("regressions fail: 2× error rate and +20% latency, in nearly every seeded run")
    func regressions() async {
        let cases: [(String, CanaryTrafficModel, AnalysisSpec)] = [
            ("2× error rate", CanaryTrafficModel(requestsPerSecond: 100, errorRatio: 2), Self.errorSpec),
            ("+20% latency", CanaryTrafficModel(requestsPerSecond: 10, baselineErrorRate: 0, latencyShift: 0.2, bounds: CanaryTrafficModel.demoBounds), Self.latencySpec),
        ]
        for (name, model, spec) in cases {
            let detected = await OffPool.run { () -> Int in
                var detected = 0
                for run in 0..<100 {
                    var tracker = SequentialJudge(spec: spec).tracker()
                    var simulator = CanaryStreamSimulator(model: model, seed: 0xBAD0 &+ UInt64(run))
                    for _ in 0..<60 where tracker.decided == nil { tracker.observe(simulator.step(seconds: 10)) }
                    if tracker.judgement(final: true).verdict == .fail { detected += 1 }
                }
                return detected
            }
            #expect(detected >= 97, "\(name): \(detected) of 100 detected within 600 s")
        }
    }

    @Test("the verdict says what it saw, in words and numbers")
    func reason() {
        let looks = Self.stream(CanaryTrafficModel(requestsPerSecond: 100, baselineErrorRate: 0.005, errorRatio: 8), seed: 3, seconds: 120, every: 5)
        let judgement = SequentialJudge(spec: Self.errorSpec).judge(looks, final: false)
        #expect(judgement.verdict == .fail)
        let metric = judgement.metrics[0]
        #expect(metric.reason.hasPrefix("error-rate "))
        #expect(metric.reason.contains("% on baseline after "))
        #expect(metric.reason.contains("; regression shown: error-rate ratio ≥ "), "\(metric.reason)")
        #expect(metric.reason.hasSuffix(", above the tolerated +0% (1.00×) (99% one-sided confidence sequence)"), "\(metric.reason)")
        #expect(metric.statistic >= metric.boundary - 0.2, "the fail-side statistic is at the boundary, up to the grid's step")
        #expect(abs(metric.boundary - log(100)) < 1e-12)
        #expect(metric.canaryValue > 3 * metric.baselineValue)
    }

    @Test("low traffic: a good canary is never failed nor passed on a few requests; a very bad one is caught from them; no data at the deadline fails")
    func lowTraffic() {
        let spec = AnalysisSpec(alpha: 0.01)
        let good = CanaryTrafficModel(requestsPerSecond: 0.2, baselineErrorRate: 0.005, bounds: CanaryTrafficModel.demoBounds)
        let terrible = CanaryTrafficModel(requestsPerSecond: 0.2, baselineErrorRate: 0.01, errorRatio: 50, latencyShift: 3, bounds: CanaryTrafficModel.demoBounds)
        var caught = 0
        for seed in 0..<20 {
            let looks = Self.stream(good, seed: UInt64(seed), seconds: 300, every: 5)  // ~60 requests a group
            let verdict = SequentialJudge(spec: spec).judge(looks, final: true)
            #expect(verdict.verdict == .inconclusive, "\(verdict.reason)")
            #expect(verdict.reason.contains("not shown either way by the deadline"), "\(verdict.reason)")
            if SequentialJudge(spec: spec).judge(Self.stream(terrible, seed: UInt64(seed), seconds: 300, every: 5), final: true).verdict == .fail { caught += 1 }
        }
        #expect(caught >= 15, "a canary failing half its requests, 3σ slower, caught in \(caught) of 20 analyses of ~60 requests")
        let empty = [AnalysisLook(elapsed: 300, baseline: GroupCounters(requests: 800, errors: 3), canary: .zero)]
        let verdict = SequentialJudge(spec: spec).judge(empty, final: true)
        #expect(verdict.verdict == .fail)
        #expect(verdict.reason == "no data from the canary by the deadline (300 s)")
        let waiting = SequentialJudge(spec: spec).judge(empty, final: false)
        #expect(waiting.verdict == .inconclusive)
        #expect(waiting.reason == "waiting for data: canary 0 and baseline 800 requests so far")
    }

    @Test("an allowed increase lets a good canary pass early; a canary within it is not failed")
    func allowance() {
        var spec = Self.errorSpec
        spec.metrics[0].allowedIncrease = 1  // up to 2× tolerated
        var early = 0, failed = 0
        for run in 0..<40 {
            let looks = Self.stream(CanaryTrafficModel(requestsPerSecond: 100, errorRatio: 1), seed: 0xA110 &+ UInt64(run), seconds: 600, every: 10)
            var tracker = SequentialJudge(spec: spec).tracker()
            for look in looks where tracker.decided == nil { tracker.observe(look) }
            if tracker.decided == .pass { early += 1 }
            if tracker.decided == .fail { failed += 1 }
        }
        #expect(failed == 0)
        #expect(early >= 30, "\(early) of 40 A/A runs passed early with a 2× allowance")

        var latency = Self.latencySpec
        latency.metrics[0].allowedIncrease = 0.1
        var latencyFailed = 0
        for run in 0..<40 {
            let looks = Self.stream(CanaryTrafficModel(requestsPerSecond: 10, baselineErrorRate: 0, latencyShift: 0.03, bounds: CanaryTrafficModel.demoBounds),
                                    seed: 0x1A7 &+ UInt64(run), seconds: 300, every: 10)
            if SequentialJudge(spec: latency).judge(looks, final: true).verdict == .fail { latencyFailed += 1 }
        }
        #expect(latencyFailed <= 1, "+3% latency within a +10% allowance failed \(latencyFailed) of 40 runs")
    }

    @Test("evidence that cannot be counted is never a pass: latency buckets that differ, counters that went back")
    func uncountedEvidenceNeverPasses() {
        let model = CanaryTrafficModel(requestsPerSecond: 50, baselineErrorRate: 0.005, bounds: CanaryTrafficModel.demoBounds)
        let looks = Self.stream(model, seed: 0xB0C, seconds: 600, every: 10)
        // Tolerances a comparable A/A stream of this size earns its pass within.
        var latencySpec = Self.latencySpec, errorSpec = Self.errorSpec
        latencySpec.metrics[0].allowedIncrease = 0.2
        errorSpec.metrics[0].allowedIncrease = 1
        #expect(SequentialJudge(spec: latencySpec).judge(looks, final: true).verdict == .pass, "the same A/A stream, comparable, passes")
        #expect(SequentialJudge(spec: errorSpec).judge(looks, final: true).verdict == .pass)

        // The canary exposes coarser buckets (every other bound dropped): latency is not compared, so not passed.
        let coarse = looks.map { look in
            var canary = look.canary
            canary.latencyBuckets = canary.latencyBuckets.enumerated().filter { $0.offset % 2 == 1 || !$0.element.le.isFinite }.map(\.element)
            return AnalysisLook(elapsed: look.elapsed, baseline: look.baseline, canary: canary)
        }
        let mismatched = SequentialJudge(spec: latencySpec).judge(coarse, final: true)
        #expect(mismatched.verdict == .inconclusive)
        #expect(mismatched.reason.hasPrefix("latency: the canary's latency buckets (") && mismatched.reason.contains("differ from the baseline's"),
                "\(mismatched.reason)")
        // Error rate does not read the histogram: it still passes.
        #expect(SequentialJudge(spec: errorSpec).judge(coarse, final: true).verdict == .pass)

        // The canary restarts half way: its counters start again from zero.
        let reset = looks.enumerated().map { index, look in
            guard index >= 15 else { return look }
            let at = looks[14].canary
            var canary = look.canary
            canary.requests -= at.requests
            canary.errors -= at.errors
            canary.latencyBuckets = zip(look.canary.latencyBuckets, at.latencyBuckets).map { LatencyBucket(le: $0.le, count: $0.count - $1.count) }
            return AnalysisLook(elapsed: look.elapsed, baseline: look.baseline, canary: canary)
        }
        for spec in [errorSpec, latencySpec] {
            let restarted = SequentialJudge(spec: spec).judge(reset, final: true)
            #expect(restarted.verdict == .inconclusive, "\(restarted.reason)")
            #expect(restarted.reason.contains("the canary's counters went back between 150 s and 160 s (an instance restarted"), "\(restarted.reason)")
        }
        // A canary already shown worse still fails: a restart never hides a regression.
        let bad = Self.stream(CanaryTrafficModel(requestsPerSecond: 100, baselineErrorRate: 0.005, errorRatio: 8), seed: 3, seconds: 300, every: 10)
        let badReset = bad.enumerated().map { index, look in
            guard index >= 20 else { return look }
            var canary = look.canary
            canary.requests -= bad[19].canary.requests
            canary.errors -= bad[19].canary.errors
            return AnalysisLook(elapsed: look.elapsed, baseline: look.baseline, canary: canary)
        }
        #expect(SequentialJudge(spec: errorSpec).judge(badReset, final: true).verdict == .fail)
    }

    @Test("latency buckets too coarse for the tolerance: never a pass nor a fail against a dropped tolerance, with the reason")
    func bucketsTooCoarseForTheTolerance() {
        // Every request between 1 ms and 10 s: one bucket holds them all, no spread to read +10% against.
        let coarse = CanaryTrafficModel(requestsPerSecond: 50, baselineErrorRate: 0, latencyShift: 0.05, bounds: [0.001, 10])
        var spec = Self.latencySpec
        spec.metrics[0].allowedIncrease = 0.1
        let looks = Self.stream(coarse, seed: 0xC0A, seconds: 600, every: 10)
        let judgement = SequentialJudge(spec: spec).judge(looks, final: true)
        #expect(judgement.verdict == .inconclusive)
        #expect(judgement.reason.hasPrefix("latency: the latency buckets (0.001, 10, +Inf) are too coarse for the +10% tolerance: fewer than two bounds"),
                "\(judgement.reason)")
        // The demo fleet's buckets resolve it: the same +5% canary, within +10%, earns its pass.
        let fine = CanaryTrafficModel(requestsPerSecond: 50, baselineErrorRate: 0, latencyShift: 0.05, bounds: CanaryTrafficModel.demoBounds)
        #expect(SequentialJudge(spec: spec).judge(Self.stream(fine, seed: 0xC0A, seconds: 600, every: 10), final: true).verdict == .pass)
    }

    @Test("judging all looks at once equals following them one by one")
    func incremental() {
        let looks = Self.stream(CanaryTrafficModel(requestsPerSecond: 20, errorRatio: 1.5, latencyShift: 0.1, bounds: CanaryTrafficModel.demoBounds),
                                seed: 11, seconds: 200, every: 5)
        let judge = SequentialJudge(spec: .default)
        var tracker = judge.tracker()
        for (i, look) in looks.enumerated() {
            tracker.observe(look)
            if i % 10 == 9 { #expect(tracker.judgement(final: false) == judge.judge(Array(looks.prefix(i + 1)), final: false)) }
        }
    }
}
