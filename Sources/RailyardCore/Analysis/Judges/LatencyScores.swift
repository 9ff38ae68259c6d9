import Foundation

/// The score each latency bucket gets in the latency e-process (`MetricEvidence`): the direction in which a
/// slower canary moves the histogram. Any label-free score keeps the test valid; the score decides how fast
/// a slower canary is found.
///
/// **Why not normal scores alone.** The normal score of a bucket's pooled mid-rank is the best direction
/// when log-latency is normal, and only then. Payment latency often has two modes (cache hits and misses, a
/// 3-D Secure challenge or none): a canary 20% slower moves *both* modes, while normal scores mostly weigh
/// which mode a request fell in, which the version does not change. On a fast mode with 20% of requests 10×
/// slower they carry 42% of the information a request holds on the slowdown (30% with even modes), and a
/// +20% canary took 3 to 4 times the oracle's requests.
///
/// **The scale score.** log(q_j / p_j), p the pooled histogram and q the same scaled 10% slower
/// (`ToleratedShift.scaled`, read between bounds on the normal-probability scale): the log-likelihood ratio
/// of a request in bucket j, for a slower canary against one like the pool. On a log-normal it is the normal
/// score; on two modes it carries 70–80% of the information instead of 30–42%.
///
/// **Shrunk toward the normal scores while the pool is small.** Read off few requests the histogram's shape
/// is noisy, so the two are blended with weight n / (n + 100) on the scale score, n the pooled requests: on
/// simulated histograms this was never worse than either alone by more than 0.5% of the information, at 50
/// to 5,000 requests, log-normal or two modes. The blend is rescaled to the normal scores' spread, so the
/// judge's shifts keep their unit (docs/judges.md).
enum LatencyScores {
    /// How much slower the canary is taken to be for the scale score's direction.
    static let scaleStep = 1.1
    /// Pooled requests at which the scale score and the normal scores weigh the same.
    static let shrinkageRequests = 100.0
    /// A bucket's scale score is clipped at this many standard deviations: a bucket read off a few
    /// requests at the histogram's edge must not weigh like a hundred.
    static let clip = 4.0

    /// The scores the latency e-process uses for `pooled` (per-bucket counts under `bounds`, the last +Inf).
    static func scores(bounds: [Double], pooled: [Double]) -> [Double] {
        let normal = normalScores(pooled)
        let total = pooled.reduce(0, +)
        guard let scale = scaleScores(bounds: bounds, pooled: pooled), let spread = spread(normal, pooled) else { return normal }
        let weight = total / (total + shrinkageRequests)
        let blend = zip(scale, normal).map { weight * $0 + (1 - weight) * $1 / spread }
        guard let blendSpread = Self.spread(blend, pooled) else { return normal }
        let mean = weightedMean(blend, pooled)
        return blend.map { ($0 - mean) / blendSpread * spread }
    }

    /// Normal scores of the buckets' pooled mid-ranks: Φ⁻¹((count below + half the bucket) / total).
    static func normalScores(_ pooled: [Double]) -> [Double] {
        let total = pooled.reduce(0, +)
        guard total > 0 else { return pooled.map { _ in 0 } }
        var below = 0.0
        return pooled.map { c in
            let u = min(max((below + c / 2) / total, 1e-9), 1 - 1e-9)
            below += c
            return JudgeMath.normalQuantile(u)
        }
    }

    /// log(q_j / p_j) for the pooled histogram scaled `scaleStep` times slower, centred and standardised over
    /// the pool, clipped at `clip`; 0 in empty buckets. nil when the histogram cannot move (one bucket with
    /// requests, or nothing scales).
    static func scaleScores(bounds: [Double], pooled: [Double]) -> [Double]? {
        let total = pooled.reduce(0, +)
        guard total > 0, bounds.count == pooled.count, pooled.filter({ $0 > 0 }).count > 1 else { return nil }
        let p = pooled.map { $0 / total }
        let q = ToleratedShift.scaled(p, bounds: bounds, by: scaleStep)
        let raw = zip(p, q).map { p, q in p > 0 ? log(max(q, 1e-12) / p) : 0 }
        guard let rawSpread = spread(raw, pooled) else { return nil }
        let mean = weightedMean(raw, pooled)
        let clipped = raw.map { min(clip, max(-clip, ($0 - mean) / rawSpread)) }
        guard let clippedSpread = spread(clipped, pooled) else { return nil }
        let clippedMean = weightedMean(clipped, pooled)
        return zip(clipped, pooled).map { s, c in c > 0 ? (s - clippedMean) / clippedSpread : 0 }
    }

    private static func weightedMean(_ scores: [Double], _ pooled: [Double]) -> Double {
        let total = pooled.reduce(0, +)
        return total > 0 ? zip(scores, pooled).reduce(0) { $0 + $1.0 * $1.1 } / total : 0
    }

    /// The pooled standard deviation of `scores`; nil when it is (nearly) 0.
    private static func spread(_ scores: [Double], _ pooled: [Double]) -> Double? {
        let total = pooled.reduce(0, +)
        guard total > 0 else { return nil }
        let mean = weightedMean(scores, pooled)
        let variance = zip(scores, pooled).reduce(0) { $0 + $1.1 * ($1.0 - mean) * ($1.0 - mean) } / total
        return variance > 1e-12 ? variance.squareRoot() : nil
    }
}
