import Foundation

/// The latency tolerance in the latency e-process's own terms: the tilt λ₀ that a canary exactly
/// `1 + allowed_increase` times slower than the pooled requests would show, read off the pooled histogram
/// itself rather than off a fitted log-normal.
///
/// **Why.** The e-process tilts the odds of each bucket by λ·(its normal score). A tolerance stated as "at
/// most +10% latency" must become the λ₀ beyond which a fail counts. Reading it as log(1.1) / σ, σ the
/// log-latency spread fitted to the histogram, is 6% low even for a log-normal through the demo's buckets,
/// and far too low with two modes (cache hits and misses), whose fitted σ spans both: a canary exactly at
/// +10% was failed in 94 to 100 of 100 simulated analyses.
///
/// **How.** Scale the pooled distribution by the tolerated factor c: its CDF at each bound b is F(b / c),
/// read between bounds on the normal-probability scale (`scaled`). λ₀ is then the λ at which the
/// e-process's tilted counts, in expectation, carry what the scaled canary's would (`tilt`): the member of
/// the test's family that a canary at the tolerance looks like, so the fail side's evidence does not grow
/// against it. docs/judges.md has the figures.
enum ToleratedShift {
    /// λ₀ for a canary `factor` times slower than `pooled` (per-bucket counts under `bounds`, the last one
    /// +Inf), with `scores` the buckets' normal scores, when the canary serves `canaryShare` of the requests;
    /// 0 when nothing can move (one bucket, no requests).
    ///
    /// The e-process reveals buckets fastest first, and tilts each one's canary count by
    /// exp(λ·(s_j − s̄_rest)) against what is left of the pool (Fisher's noncentral hypergeometric). λ₀ is the
    /// λ at which those tilted counts, in expectation, carry the same Σ (s_j − s̄_rest)·x_j as a canary at the
    /// tolerance: the baseline as pooled, the canary as pooled and scaled.
    static func tilt(factor: Double, bounds: [Double], pooled: [Double], scores: [Double], canaryShare w: Double = 0.5,
                     reading: Reading = .linear) -> Double {
        let total = pooled.reduce(0, +)
        guard factor > 1, total > 0, w > 0, w < 1, pooled.count == bounds.count, scores.count == pooled.count else { return 0 }
        // The baseline as pooled (the canary's share of the pool moves it by a fraction of the tolerance).
        let p = pooled.map { $0 / total }
        let q = scaled(p, bounds: bounds, by: factor, reading: reading)
        let n = p.count
        // Expected counts per unit of traffic: the pool, the canary's, and what is left of each from bucket j on.
        let pool = (0..<n).map { (1 - w) * p[$0] + w * q[$0] }
        let canary = q.map { w * $0 }
        var restPool = [Double](repeating: 0, count: n + 1), restCanary = [Double](repeating: 0, count: n + 1), restScore = [Double](repeating: 0, count: n + 1)
        for j in stride(from: n - 1, through: 0, by: -1) {
            restPool[j] = restPool[j + 1] + pool[j]
            restCanary[j] = restCanary[j + 1] + canary[j]
            restScore[j] = restScore[j + 1] + pool[j] * scores[j]
        }
        var steps: [(contrast: Double, draws: Double, remaining: Double, canaries: Double, observed: Double)] = []
        for j in 0..<n where pool[j] > 1e-12 && restPool[j + 1] > 1e-9 {
            steps.append((scores[j] - restScore[j + 1] / restPool[j + 1], pool[j], restPool[j], restCanary[j], canary[j]))
        }
        guard !steps.isEmpty else { return 0 }
        // Σ contrast × (the canary at the tolerance's count − the count tilted by λ): falls as λ rises.
        func gap(_ lambda: Double) -> Double {
            steps.reduce(0) { sum, s in
                sum + s.contrast * (s.observed - fisherMean(odds: exp(lambda * s.contrast), population: s.remaining, successes: s.canaries, draws: s.draws))
            }
        }
        guard gap(0) > 0 else { return 0 }
        var low = 0.0, high = 1.0
        while gap(high) > 0 && high < 64 { high *= 2 }
        for _ in 0..<60 {
            let mid = (low + high) / 2
            if gap(mid) > 0 { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }

    /// λ₀ for each side of the test. A histogram only tells how many requests fell between its bounds, not
    /// where inside: on one mode both readings of the shape within a bucket (`Reading`) agree, on two they
    /// can differ by a fifth or more. The fail side tests against the larger λ₀ and the pass side against the
    /// smaller, so neither a fail nor a pass rests on the reading that happens to favour it: where the truth
    /// lies between the two (on every shape `ToleratedShiftTests` measures), a canary exactly at the tolerance
    /// is neither failed nor passed more often than α.
    static func tilts(factor: Double, bounds: [Double], pooled: [Double], scores: [Double], canaryShare w: Double = 0.5) -> (fail: Double, pass: Double) {
        let readings = Reading.allCases.map { tilt(factor: factor, bounds: bounds, pooled: pooled, scores: scores, canaryShare: w, reading: $0) }
        return (readings.max() ?? 0, readings.min() ?? 0)
    }

    /// Where the buckets leave the tolerance: a canary less than `passedBelow` slower (as a fraction: 0.08
    /// for +8%) shows a λ below the pass side's λ₀ on either reading, so it can earn its pass; one more than
    /// `failedAbove` slower shows a λ above the fail side's λ₀ on either reading, so it is failed in time. In
    /// between the buckets cannot tell it from the tolerance, and the analysis waits. Both equal the tolerance
    /// on one mode; `pooled` under `bounds` (the last +Inf), scored as the judge scores it.
    static func zone(tolerance: Double, bounds: [Double], pooled: [Double]) -> (passedBelow: Double, failedAbove: Double)? {
        guard tolerance > 0, pooled.reduce(0, +) > 0, pooled.count == bounds.count else { return nil }
        let scores = LatencyScores.scores(bounds: bounds, pooled: pooled)
        func lambdas(_ increase: Double) -> [Double] {
            Reading.allCases.map { tilt(factor: 1 + increase, bounds: bounds, pooled: pooled, scores: scores, reading: $0) }
        }
        let atTolerance = lambdas(tolerance)
        guard let failNull = atTolerance.max(), let passNull = atTolerance.min(), failNull > 0 else { return nil }
        // The increase at which `side` of the readings' λ reaches `target`: λ grows with the increase.
        func increase(where side: ([Double]) -> Double, reaches target: Double) -> Double {
            var low = 0.0, high = tolerance
            while side(lambdas(high)) < target && high < 64 * tolerance { high *= 2 }
            for _ in 0..<40 {
                let mid = (low + high) / 2
                if side(lambdas(mid)) < target { low = mid } else { high = mid }
            }
            return (low + high) / 2
        }
        return (increase(where: { $0.max() ?? 0 }, reaches: passNull), increase(where: { $0.min() ?? 0 }, reaches: failNull))
    }

    /// How the CDF is read between two bounds, on the normal-probability scale (z = Φ⁻¹(F) against log-latency):
    /// along the straight line between the two bounds (a local log-normal), or along a monotone cubic through
    /// all of them (Fritsch–Carlson), which follows a bend in the plot where two modes meet.
    enum Reading: CaseIterable, Sendable {
        case linear
        case monotoneCubic
    }

    /// The mean of Fisher's noncentral hypergeometric in the large-pool limit: x with
    /// x (N − K − n + x) = ω (K − x)(n − x), the root within [max(0, n − (N − K)), min(K, n)].
    static func fisherMean(odds omega: Double, population N: Double, successes K: Double, draws n: Double) -> Double {
        let b = N - K - n + omega * (K + n)
        let discriminant = max(0, b * b + 4 * (1 - omega) * omega * K * n)
        let denominator = b + discriminant.squareRoot()
        guard denominator > 0 else { return min(K, n) }
        return min(min(K, n), max(max(0, n - (N - K)), 2 * omega * K * n / denominator))
    }

    /// Bucket probabilities of the distribution `p` (under `bounds`, the last +Inf) with every value
    /// multiplied by `factor` > 0. Inside a bucket the CDF is read on the normal-probability scale: z = Φ⁻¹(F)
    /// linear in log-latency (or along the monotone cubic, `reading`) between the bounds where 0 < F < 1 (and
    /// along the nearest segment beyond them), so a log-normal is scaled exactly and any other shape as a
    /// local log-normal, bound by bound. With fewer than two such bounds, log-linear within the bucket.
    static func scaled(_ p: [Double], bounds: [Double], by factor: Double, reading: Reading = .linear) -> [Double] {
        var cumulative: [Double] = []
        var running = 0.0
        for x in p {
            running += x
            cumulative.append(running)
        }
        // The normal-probability plot's points: (log bound, Φ⁻¹(F)).
        var points: [(x: Double, z: Double)] = []
        for (i, bound) in bounds.enumerated() where bound.isFinite && bound > 0 && cumulative[i] > 1e-9 && cumulative[i] < 1 - 1e-9 {
            points.append((log(bound), JudgeMath.normalQuantile(cumulative[i])))
        }
        let slopes = reading == .monotoneCubic ? Self.monotoneSlopes(points) : []
        func interpolated(_ logX: Double) -> Double? {
            guard points.count >= 2 else { return nil }
            var k = points.count - 1
            if let next = points.firstIndex(where: { $0.x >= logX }) { k = max(1, next) }
            let a = points[k - 1], b = points[k]
            guard b.x > a.x else { return nil }
            let t = (logX - a.x) / (b.x - a.x)
            // Beyond the outer bounds, and with the straight reading, along the segment.
            guard !slopes.isEmpty, t >= 0, t <= 1 else { return JudgeMath.normalCDF(a.z + (b.z - a.z) * t) }
            let h = b.x - a.x
            let t2 = t * t, t3 = t2 * t
            let z = (2 * t3 - 3 * t2 + 1) * a.z + (t3 - 2 * t2 + t) * h * slopes[k - 1] + (-2 * t3 + 3 * t2) * b.z + (t3 - t2) * h * slopes[k]
            return JudgeMath.normalCDF(z)
        }
        func cdf(_ x: Double) -> Double {
            guard let k = bounds.firstIndex(where: { $0 >= x }) else { return 1 }
            if !bounds[k].isFinite { return 1 }
            let low = k == 0 ? 0 : bounds[k - 1], below = k == 0 ? 0 : cumulative[k - 1]
            // Within the bucket's own mass, whatever the interpolation says.
            if x > 0, let f = interpolated(log(x)) { return min(cumulative[k], max(below, f)) }
            if low <= 0 { return below + p[k] * max(0, x - low) / (bounds[k] - low) }
            return below + p[k] * (log(x) - log(low)) / (log(bounds[k]) - log(low))
        }
        var out: [Double] = []
        var previous = 0.0
        for bound in bounds {
            let f = bound.isFinite ? min(1, max(previous, cdf(bound / factor))) : 1
            out.append(f - previous)
            previous = f
        }
        return out
    }

    /// Fritsch–Carlson slopes of the monotone cubic through `points` (x ascending): the weighted harmonic
    /// mean of the neighbouring secants inside, 0 where they differ in sign, the secant at the ends.
    static func monotoneSlopes(_ points: [(x: Double, z: Double)]) -> [Double] {
        let n = points.count
        guard n >= 2 else { return [] }
        let h = (0..<(n - 1)).map { points[$0 + 1].x - points[$0].x }
        let secant = (0..<(n - 1)).map { h[$0] > 0 ? (points[$0 + 1].z - points[$0].z) / h[$0] : 0 }
        var slopes = [Double](repeating: 0, count: n)
        slopes[0] = secant[0]
        slopes[n - 1] = secant[n - 2]
        for i in stride(from: 1, to: n - 1, by: 1) where secant[i - 1] * secant[i] > 0 {
            let w1 = 2 * h[i] + h[i - 1], w2 = h[i] + 2 * h[i - 1]
            slopes[i] = (w1 + w2) / (w1 / secant[i - 1] + w2 / secant[i])
        }
        return slopes
    }
}
