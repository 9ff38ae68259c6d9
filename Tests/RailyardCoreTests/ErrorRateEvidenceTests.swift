import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// The canary's own error-rate sequence and the judge's error-rate evidence built on it and on the
/// rate ratio: e-values exact by enumeration, coverage by simulation, the zero-error bound against the
/// fixed-sample one, each tolerance's boundary failed at most α of the time, and the verdict's words.
@Suite("Judge: error-rate evidence (the canary's rate, the ratio, acceptable rate)")
struct ErrorRateEvidenceTests {
    static func counts(_ requests: Double, _ errors: Double) -> IntervalCounts {
        IntervalCounts(requests: requests, errors: errors, buckets: [], bounds: [])
    }

    @Test("the rate sequence's e-values have expectation exactly 1 at the true rate (binomial enumerated)")
    func eValueExpectation() {
        for (n, q) in [(20, 0.01), (20, 0.3), (7, 0.9), (50, 0.0004)] {
            var mixture = 0.0
            var worst = 0.0
            for x in 0...n {
                let pmf = exp(JudgeMath.logChoose(n, x) + Double(x) * log(q) + Double(n - x) * log1p(-q))
                var sequence = ErrorRateSequence()
                sequence.add(requests: Double(n), errors: Double(x))
                let truth = Double(x) * log(q) + Double(n - x) * log1p(-q)
                mixture += pmf * exp(JudgeMath.logSumExp(zip(sequence.mixture.logLikelihood, sequence.mixture.logPrior).map { $0 + $1 }) - truth)
                worst = max(worst, abs(sequence.mixture.logPrior.reduce(0) { $0 + exp($1) } - 1))
            }
            #expect(abs(mixture - 1) < 1e-9, "n \(n) q \(q): \(mixture)")
            #expect(worst < 1e-9)
        }
    }

    @Test("it covers the canary's true rate at every look at once in at least 1 − α of runs")
    func coverage() async {
        let alpha = 0.05, runs = 200
        for q in [0.0005, 0.01, 0.2] {
            let missed = await OffPool.run { () -> Int in
                var rng = Xoshiro256StarStar(seed: 0xE44 &+ UInt64(q * 1e6))
                var missed = 0
                for _ in 0..<runs {
                    var sequence = ErrorRateSequence()
                    for _ in 0..<60 {
                        sequence.add(requests: 200, errors: RateRatioSequenceTests.binomial(200, q, &rng))
                        let interval = sequence.interval(alpha: alpha)!
                        if q < interval.low || q > interval.high { missed += 1; break }
                    }
                }
                return missed
            }
            #expect(Double(missed) / Double(runs) <= alpha + 3 * (alpha * (1 - alpha) / Double(runs)).squareRoot(),
                    "q \(q): the rate left the sequence in \(missed) of \(runs) runs")
        }
    }

    @Test("with no error at all, the bound is no better than the fixed-sample exact bound, and within 3× of it")
    func zeroErrorBound() {
        for n in [100.0, 1_000, 10_000, 100_000] {
            var sequence = ErrorRateSequence()
            sequence.add(requests: n, errors: 0)
            let high = sequence.interval(alpha: 0.01)!.high
            let exact = 1 - pow(0.01, 1 / n)  // Clopper-Pearson, one look, zero errors
            #expect(high >= exact && high <= 3 * exact, "n \(n): \(high) against the exact \(exact)")
        }
    }

    /// Runs the judge's error-rate evidence over Bernoulli intervals of `requests` a group; returns how many
    /// runs ended in each verdict.
    static func simulate(baseline qb: Double, canary qc: Double, allowedIncrease: Double, acceptableRate: Double, alpha: Double,
                         requests: Int, intervals: Int, runs: Int, seed: UInt64) -> (failed: Int, passed: Int) {
        var rng = Xoshiro256StarStar(seed: seed)
        var failed = 0, passed = 0
        for _ in 0..<runs {
            var evidence = ErrorRateEvidence(allowedIncrease: allowedIncrease, acceptableRate: acceptableRate, alpha: alpha)
            for _ in 0..<intervals {
                evidence.add(baseline: counts(Double(requests), RateRatioSequenceTests.binomial(requests, qb, &rng)),
                             canary: counts(Double(requests), RateRatioSequenceTests.binomial(requests, qc, &rng)))
                switch evidence.reading().verdict {
                case .fail?: failed += 1
                case .pass?: passed += 1
                default: continue
                }
                break
            }
        }
        return (failed, passed)
    }

    @Test("exactly at a tolerance, a canary is failed in at most α of runs: the ratio at a 20% baseline, the acceptable rate at a zero-error baseline")
    func boundaries() async {
        let alpha = 0.05, runs = 200
        let limit = alpha + 3 * (alpha * (1 - alpha) / Double(runs)).squareRoot()
        // The ratio decides: 30% against 20% is exactly +50%, far above any acceptable rate.
        let ratio = await OffPool.run {
            Self.simulate(baseline: 0.2, canary: 0.3, allowedIncrease: 0.5, acceptableRate: 0.001, alpha: alpha, requests: 50, intervals: 80, runs: runs, seed: 0xB01)
        }
        #expect(Double(ratio.failed) / Double(runs) <= limit, "at +50% exactly: \(ratio.failed) of \(runs) failed")
        // The acceptable rate decides: 2% against a baseline of 0.01% is 200×, but 2% is acceptable.
        let rate = await OffPool.run {
            Self.simulate(baseline: 0.0001, canary: 0.02, allowedIncrease: 0.5, acceptableRate: 0.02, alpha: alpha, requests: 200, intervals: 80, runs: runs, seed: 0xB02)
        }
        #expect(Double(rate.failed) / Double(runs) <= limit, "at the acceptable 2% exactly: \(rate.failed) of \(runs) failed")
        // And a clear regression on both counts is caught.
        let bad = await OffPool.run {
            Self.simulate(baseline: 0.005, canary: 0.04, allowedIncrease: 0.5, acceptableRate: 0.001, alpha: 0.01, requests: 200, intervals: 80, runs: 100, seed: 0xB03)
        }
        #expect(bad.failed >= 99 && bad.passed == 0, "8× at 0.5%: \(bad.failed) of 100 caught, \(bad.passed) passed")
    }

    @Test("no error in either group: the ratio says nothing, the canary's own rate earns the pass against an acceptable rate")
    func zeroErrorPass() {
        var evidence = ErrorRateEvidence(allowedIncrease: 0.5, acceptableRate: 0.02, alpha: 0.01)
        evidence.add(baseline: Self.counts(2_100, 0), canary: Self.counts(700, 0))
        let reading = evidence.reading()
        #expect(reading.verdict == .pass)
        #expect(reading.ratio == nil)
        // 700 requests without an error: the fixed-sample exact bound at 99.5% is 1 − 0.005^(1/700) = 0.75%.
        let high = try! #require(reading.rate?.high)
        print("no error in 700 canary requests: at most \(JudgeText.percent(high)) (the one-look exact bound: 0.75%)")
        #expect(high >= 0.0075 && high <= 0.0095, "\(high)")
        #expect(reading.text == "canary error rate at most \(JudgeText.percent(high)) (99.5% one-sided confidence sequence), within the acceptable 2.0%")

        var strict = ErrorRateEvidence(allowedIncrease: 0.5, acceptableRate: 0, alpha: 0.01)
        strict.add(baseline: Self.counts(2_100, 0), canary: Self.counts(700, 0))
        #expect(strict.reading().verdict == nil)
        #expect(strict.reading().text == "no decision yet: error-rate ratio not bounded yet (no errors in either group) (99% confidence)")
    }

    @Test("a faulty canary against a zero-error baseline is failed, on both counts, with both intervals")
    func zeroBaselineRegression() {
        var evidence = ErrorRateEvidence(allowedIncrease: 0.5, acceptableRate: 0.001, alpha: 0.01)
        for _ in 0..<6 { evidence.add(baseline: Self.counts(300, 0), canary: Self.counts(100, 8)) }
        let reading = evidence.reading()
        #expect(reading.verdict == .fail, "\(reading.text)")
        #expect(reading.text.hasPrefix("regression shown: error-rate ratio ≥ "), "\(reading.text)")
        #expect(reading.text.contains(", above the tolerated +50% (1.50×), and canary error rate ≥ "), "\(reading.text)")
        #expect(reading.text.hasSuffix(", above the acceptable 0.10% (99% one-sided confidence sequences)"), "\(reading.text)")
        #expect((reading.ratio?.low ?? 0) > 1.5 && reading.ratio?.high == .infinity)
        #expect(evidence.failStatistic >= evidence.boundary - 0.2)
    }

    @Test("a one-sided mixture keeps expectation exactly 1 at each grid rate (binomial enumerated), and bounds tighter than the two-sided one")
    func oneSided() {
        let sequence = ErrorRateSequence()
        for (n, k) in [(20, 300), (50, 200), (200, 120)] {
            let q = exp(sequence.mixture.logGrid[k])
            for (cut, above) in [(0.001, true), (0.02, false), (0.0001, true)] {
                var expectation = 0.0
                for x in 0...n {
                    let logPMF = JudgeMath.logChoose(n, x) + Double(x) * log(q) + Double(n - x) * log1p(-q)
                    var s = ErrorRateSequence()
                    s.add(requests: Double(n), errors: Double(x))
                    // In logs: a far tail has a vanishing probability and a huge e-value.
                    expectation += exp(logPMF + s.mixture.oneSidedLogEValues(beyond: cut, above: above)![k])
                }
                #expect(abs(expectation - 1) < 1e-9, "n \(n) q \(q) cut \(cut): \(expectation)")
            }
        }
        var ratio = RateRatioSequence()
        for _ in 0..<10 { ratio.add(canaryRequests: 1000, canaryErrors: 12, baselineRequests: 1000, baselineErrors: 5) }
        let twoSided = ratio.interval(alpha: 0.01)!, lower = ratio.lowerBound(alpha: 0.01, beyond: 1.25)!, upper = ratio.upperBound(alpha: 0.01, beyond: 3)!
        #expect(lower > twoSided.low && lower < 2.4, "one-sided \(lower) against two-sided \(twoSided)")
        #expect(upper < twoSided.high && upper > 2.4, "one-sided \(upper) against two-sided \(twoSided)")
    }
}
