import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// The rate-ratio confidence sequence: its e-values have expectation exactly 1 (enumerated), it covers
/// the true ratio at every look at once (simulated, Poisson and Bernoulli errors, a changing traffic
/// split), a canary exactly at the tolerance is failed at most α of the time even at a 20% baseline,
/// and a pass is earned only by a canary shown within the tolerance.
@Suite("Judge: rate-ratio confidence sequence")
struct RateRatioSequenceTests {
    /// Draws Bin(n, p) by inversion of its distribution function.
    static func binomial(_ n: Int, _ p: Double, _ rng: inout Xoshiro256StarStar) -> Double {
        guard p > 0 else { return 0 }
        guard p < 1 else { return Double(n) }
        let u = Double.random(in: 0..<1, using: &rng)
        var k = 0, pmf = pow(1 - p, Double(n)), cumulative = pmf
        while u > cumulative, k < n {
            pmf *= Double(n - k) / Double(k + 1) * p / (1 - p)
            k += 1
            cumulative += pmf
        }
        return Double(k)
    }

    /// Poisson draw by inversion (small means).
    static func poisson(_ mean: Double, _ rng: inout Xoshiro256StarStar) -> Double {
        var k = 0.0, p = exp(-mean), cumulative = p
        let u = Double.random(in: 0..<1, using: &rng)
        while u > cumulative, k < 10_000 {
            k += 1
            p *= mean / k
            cumulative += p
        }
        return k
    }

    struct Stream {
        var rate: Double
        var baselineErrorRate: Double
        var ratio: Double
        var bernoulli: Bool
    }

    /// Feeds `intervals` 10-second intervals; the canary's share of the split steps 10% → 25% → 50%.
    /// Calls `look` after each one; stops when it returns false.
    static func run(_ s: Stream, seed: UInt64, intervals: Int, look: (RateRatioSequence) -> Bool) {
        var rng = Xoshiro256StarStar(seed: seed)
        var sequence = RateRatioSequence()
        for k in 0..<intervals {
            let share = k < intervals / 3 ? 0.1 : k < 2 * intervals / 3 ? 0.25 : 0.5
            let total = Int(s.rate * 10 * 2)
            let m = max(1, Int(Double(total) * share)), b = total - m
            let qc = min(1, s.baselineErrorRate * s.ratio), qb = s.baselineErrorRate
            let x = s.bernoulli ? binomial(m, qc, &rng) : poisson(Double(m) * qc, &rng)
            let y = s.bernoulli ? binomial(b, qb, &rng) : poisson(Double(b) * qb, &rng)
            sequence.add(canaryRequests: Double(m), canaryErrors: x, baselineRequests: Double(b), baselineErrors: y)
            if !look(sequence) { return }
        }
    }

    @Test("each component's likelihood ratio, and so the mixture, has expectation exactly 1 at the true ratio (enumerated)")
    func eValueExpectation() {
        for (m, b, n, theta) in [(10.0, 90.0, 7, 1.0), (50.0, 50.0, 12, 1.1), (25.0, 75.0, 30, 2.0), (5.0, 500.0, 3, 0.5)] {
            var expectations = Array(repeating: 0.0, count: RateRatioSequence().logGrid.count)
            var mixture = 0.0
            let p = theta * m / (theta * m + b)
            for x in 0...n {
                let pmf = exp(JudgeMath.logChoose(n, x) + Double(x) * log(p) + Double(n - x) * log1p(-p))
                var single = RateRatioSequence()
                single.add(canaryRequests: m, canaryErrors: Double(x), baselineRequests: b, baselineErrors: Double(n - x))
                // ℓ(θ) at the truth, computed directly.
                let truth = Double(x) * log(p) + Double(n - x) * log1p(-p)
                for j in single.logGrid.indices { expectations[j] += pmf * exp(single.logLikelihood[j] - truth) }
                mixture += pmf * exp(JudgeMath.logSumExp(zip(single.logLikelihood, single.logPrior).map { $0 + $1 }) - truth)
            }
            #expect(expectations.allSatisfy { abs($0 - 1) < 1e-9 }, "m \(m) b \(b) n \(n) θ \(theta): \(expectations.min()!)…\(expectations.max()!)")
            #expect(abs(mixture - 1) < 1e-9)
        }
    }

    @Test("it covers the true ratio at every look at once in at least 1 − α of runs (Poisson and Bernoulli, split changing)")
    func coverage() async {
        let alpha = 0.05, runs = 150
        for stream in [Stream(rate: 20, baselineErrorRate: 0.01, ratio: 1, bernoulli: false),
                       Stream(rate: 20, baselineErrorRate: 0.02, ratio: 2, bernoulli: true),
                       Stream(rate: 5, baselineErrorRate: 0.2, ratio: 1.1, bernoulli: true)] {
            let missed = await OffPool.run {
                var missed = 0
                for seed in 0..<runs {
                    Self.run(stream, seed: 0xC0DE &+ UInt64(seed), intervals: 60) { sequence in
                        guard let interval = sequence.interval(alpha: alpha) else { return true }
                        if stream.ratio < interval.low || stream.ratio > interval.high { missed += 1; return false }
                        return true
                    }
                }
                return missed
            }
            // α plus three standard errors of the simulation.
            #expect(Double(missed) / Double(runs) <= alpha + 3 * (alpha * (1 - alpha) / Double(runs)).squareRoot(),
                    "\(stream): the ratio left the sequence in \(missed) of \(runs) runs")
        }
    }

    @Test("a canary exactly at the tolerance is shown a regression in at most α of runs, at a 0.5% and a 20% baseline")
    func boundary() async {
        let alpha = 0.01, tolerance = 1.1, runs = 150
        for baseline in [0.005, 0.2] {
            let failed = await OffPool.run {
                var failed = 0
                for seed in 0..<runs {
                    Self.run(Stream(rate: baseline > 0.1 ? 10 : 40, baselineErrorRate: baseline, ratio: tolerance, bernoulli: true),
                             seed: 0xB0D &+ UInt64(seed), intervals: 90) { sequence in
                        if sequence.standing(maxRatio: tolerance, alpha: alpha) == .regression { failed += 1; return false }
                        return true
                    }
                }
                return failed
            }
            #expect(Double(failed) / Double(runs) <= alpha + 3 * (alpha * (1 - alpha) / Double(runs)).squareRoot(),
                    "baseline \(baseline): \(failed) of \(runs) canaries at the boundary failed")
        }
    }

    @Test("a pass is earned: a good canary is shown within a +50% tolerance, a 2× canary never is, and a 4× one is caught")
    func earnedPass() async {
        let alpha = 0.01
        let (passed, wronglyPassed, caught) = await OffPool.run {
            var passed = 0, wronglyPassed = 0, caught = 0
            for seed in 0..<60 {
                Self.run(Stream(rate: 20, baselineErrorRate: 0.02, ratio: 1, bernoulli: true), seed: 0xA5 &+ UInt64(seed), intervals: 90) { sequence in
                    if sequence.standing(maxRatio: 1.5, alpha: alpha) == .withinTolerance { passed += 1; return false }
                    return true
                }
                Self.run(Stream(rate: 20, baselineErrorRate: 0.02, ratio: 2, bernoulli: true), seed: 0xB5 &+ UInt64(seed), intervals: 90) { sequence in
                    if sequence.standing(maxRatio: 1.5, alpha: alpha) == .withinTolerance { wronglyPassed += 1; return false }
                    return true
                }
                Self.run(Stream(rate: 20, baselineErrorRate: 0.02, ratio: 4, bernoulli: true), seed: 0xC5 &+ UInt64(seed), intervals: 90) { sequence in
                    if sequence.standing(maxRatio: 1.5, alpha: alpha) == .regression { caught += 1; return false }
                    return true
                }
            }
            return (passed, wronglyPassed, caught)
        }
        #expect(passed >= 48, "\(passed) of 60 good canaries earned their pass in 15 minutes at 20 req/s and 2% errors")
        #expect(wronglyPassed <= 1, "\(wronglyPassed) of 60 canaries at 2× passed a +50% tolerance")
        #expect(caught >= 57, "\(caught) of 60 canaries at 4× caught")
    }

    @Test("no error yet: no interval; the interval narrows on the truth as errors accrue")
    func knownAnswers() {
        var sequence = RateRatioSequence()
        sequence.add(canaryRequests: 100, canaryErrors: 0, baselineRequests: 100, baselineErrors: 0)
        #expect(sequence.interval(alpha: 0.01) == nil && sequence.standing(maxRatio: 1.1, alpha: 0.01) == .undecided)
        // 2,000 canary errors in 100,000 requests against 1,000 in 100,000: a ratio of 2.
        sequence.add(canaryRequests: 100_000, canaryErrors: 2_000, baselineRequests: 100_000, baselineErrors: 1_000)
        let interval = try! #require(sequence.interval(alpha: 0.01))
        #expect(interval.low > 1.7 && interval.low < 2, "\(interval)")
        #expect(interval.high > 2 && interval.high < 2.45, "\(interval)")
        #expect(sequence.standing(maxRatio: 1.5, alpha: 0.01) == .regression)
        #expect(sequence.standing(maxRatio: 2.5, alpha: 0.01) == .withinTolerance)
    }
}
