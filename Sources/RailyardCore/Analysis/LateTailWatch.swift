import Foundation

/// After a pass, the canary's latency tail still watched against its baseline's, for an analysis that judges
/// latency at a quantile (`quantile`): the requests slower than `bound` — the baseline's bound at that quantile
/// when the analysis passed, as the tail test chooses it (`TailEvidence.readableBound`) — counted like errors by
/// the same e-detector as the error rate (`LateRegressionWatch`), at the metric's tolerance. A leak or a cache
/// that fills shows in the tail first.
public struct LateTailWatch: Codable, Sendable, Equatable {
    public var watch: LateRegressionWatch
    /// The metric watched, and its quantile.
    public var metric: String
    public var quantile: Double
    /// The bound slow requests are counted above, and its index among the histogram's bounds.
    public var bound: Double
    public var index: Int
    /// The service's own histogram the metric reads; nil: the HTTP latency.
    public var histogram: String?
    /// What the watch counted since its evidence began to rise.
    public var recent = LateWatchWindow()

    /// The watch for `spec`'s first latency metric with a quantile, its bound chosen on `baseline`'s histogram
    /// (cumulative, as read); nil when the spec has none, or the baseline has served too few requests to
    /// place the quantile (10 / (1 − q)), or it lies above the last finite bound.
    public static func start(for spec: AnalysisSpec, baseline: GroupCounters, alpha: Double, maxLooks: Int) -> LateTailWatch? {
        guard let metric = spec.metrics.first(where: { $0.kind == .latency && $0.quantile != nil }), let quantile = metric.quantile else { return nil }
        let histogram = metric.histogram.map(baseline.readingLatency(from:)) ?? baseline
        let (bounds, counts) = HistogramMath.perBucket(histogram.latencyBuckets)
        guard counts.reduce(0, +) >= TailEvidence.minimumPool(quantile),
              let found = TailEvidence.readableBound(quantile: quantile, counts: counts, bounds: bounds) else { return nil }
        return LateTailWatch(watch: LateRegressionWatch(allowedIncrease: metric.allowedIncrease, acceptableRate: 0, alpha: alpha, maxLooks: maxLooks),
                             metric: metric.name, quantile: quantile, bound: found.bound, index: found.index, histogram: metric.histogram)
    }

    /// The interval's requests and slow ones, for one group; nil when it cannot be counted (a restart, other buckets).
    func slow(_ earlier: GroupCounters, _ later: GroupCounters) -> (requests: Double, slow: Double)? {
        let before = histogram.map(earlier.readingLatency(from:)) ?? earlier, after = histogram.map(later.readingLatency(from:)) ?? later
        guard let interval = IntervalCounts.between(before, after), interval.bounds.count > index, interval.bounds[index] == bound else { return nil }
        return (interval.buckets.reduce(0, +), interval.buckets[(index + 1)...].reduce(0, +))
    }

    /// Adds the interval between two readings of each group.
    mutating func look(baseline: (GroupCounters, GroupCounters), canary: (GroupCounters, GroupCounters)) {
        guard watch.looks < watch.maxLooks, !watch.alarmed else { return }
        guard let b = slow(baseline.0, baseline.1), let c = slow(canary.0, canary.1) else { return watch.skip() }
        watch.add(canaryRequests: c.requests, canaryErrors: c.slow, baselineRequests: b.requests, baselineErrors: b.slow)
        recent.add(canaryRequests: c.requests, canaryFailed: c.slow, baselineRequests: b.requests, baselineFailed: b.slow, evidence: watch.ratioEvidence)
    }

    /// The alarm in words: each group's share of slow requests since the pass, and the evidence.
    func alarmReason(baseline: (GroupCounters, GroupCounters), canary: (GroupCounters, GroupCounters)) -> String {
        func share(_ counts: (requests: Double, slow: Double)?) -> String {
            guard let counts, counts.requests > 0 else { return "n/a" }
            return "\(JudgeText.percent(counts.slow / counts.requests)) of \(JudgeText.count(counts.requests))"
        }
        let unit = histogram == nil ? "requests" : "\(histogram ?? "") observations"
        return "late regression after the pass: \(metric)'s \(unit) slower than \(JudgeText.latency(bound)) (the baseline's \(TailEvidence.name(quantile)) "
            + "when it passed) \(recent.text("slower")); since the pass, \(share(slow(canary.0, canary.1))) on the canary vs \(share(slow(baseline.0, baseline.1))) on baseline; "
            + "the watch's evidence for a ratio of \(JudgeText.fixed(watch.alternativeRatio, 2))× over the tolerated \(JudgeText.fixed(watch.maxRatio, 2))× "
            + "reached \(JudgeText.fixed(watch.ratioEvidence, 1)) (log(1 + R), against log(1 + \(watch.maxLooks) looks / α \(JudgeText.alpha(watch.alpha))) "
            + "= \(JudgeText.fixed(watch.threshold, 1)))"
    }
}
