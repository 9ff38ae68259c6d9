import Foundation
import RailyardCore
import RailyardSimulation

/// The limit the judges are measured against: Wald's sequential probability ratio test that knows the
/// true effect. It watches the same data as the sequential judge — which group each request came from,
/// given its category (error or ok; latency bucket) — and knows the true per-category canary/baseline
/// ratio r_j and the true traffic split (½). Given the category, a request is the canary's with
/// probability r_j / (1 + r_j) under the alternative and ½ under the null, independently of the others,
/// so its log-likelihood ratio is exact; it rejects at log(1/α). No test with the same false-positive
/// rate needs fewer requests on average (Wald–Wolfowitz), so the ratio of a judge's requests to the
/// oracle's is what it pays for not knowing the effect in advance.
struct JudgeOracle: Sendable {
    /// Per category: log-likelihood-ratio contribution of one canary request and of one baseline request.
    private let canaryStep: [Double]
    private let baselineStep: [Double]
    private let byBucket: Bool
    private(set) var statistic = 0.0
    private var previous = AnalysisLook(elapsed: 0, baseline: .zero, canary: .zero)

    /// The oracle for the alternative `alternative` (its canary) against `model`'s baseline.
    init(baseline model: CanaryTrafficModel, alternative: CanaryTrafficModel, byBucket: Bool) {
        self.byBucket = byBucket
        var ratios: [Double] = []
        if byBucket {
            let fb = model.bucketProbabilities(canary: false)
            let fc = alternative.bucketProbabilities(canary: true)
            ratios = zip(fb, fc).map { b, c in b > 0 && c > 0 ? c / b : 1 }
        } else {
            let qb = model.errorRate(canary: false), qc = alternative.errorRate(canary: true)
            ratios = [qc / qb, (1 - qc) / (1 - qb)]
        }
        canaryStep = ratios.map { log(2 * $0 / (1 + $0)) }
        baselineStep = ratios.map { log(2 / (1 + $0)) }
    }

    mutating func observe(_ look: AnalysisLook) {
        let c = categories(look.canary, previous.canary)
        let b = categories(look.baseline, previous.baseline)
        for j in canaryStep.indices {
            statistic += c[j] * canaryStep[j] + b[j] * baselineStep[j]
        }
        previous = look
    }

    private func categories(_ now: GroupCounters, _ before: GroupCounters) -> [Double] {
        if byBucket {
            var out: [Double] = []
            var lastNow = 0.0, lastBefore = 0.0
            for (i, bucket) in now.latencyBuckets.enumerated() {
                let was = before.latencyBuckets.isEmpty ? 0 : before.latencyBuckets[i].count
                out.append((bucket.count - lastNow) - (was - lastBefore))
                lastNow = bucket.count
                lastBefore = was
            }
            return out
        }
        let errors = now.errors - before.errors
        return [errors, now.requests - before.requests - errors]
    }
}
