import Foundation

/// After a pass, the canary's latency as a whole still watched against its baseline's, for an analysis that
/// judges a whole-distribution shift with a tolerance (`kind: latency`, `allowed_increase`, no `quantile`).
///
/// Each interval's requests are revealed bucket by bucket as the analysis reveals them
/// (`MetricEvidence.reveal`), with the buckets' scores and the tolerance's tilt λ₀ read once, on both groups'
/// histogram when the analysis passed (as the tail's watch fixes its bound then). The interval's e-value is
/// the likelihood ratio of a canary twice the tolerated increase slower (tilt λ₁) against one exactly at
/// the tolerance (λ₀): each bucket's tilted hypergeometric is an exponential family in the tilt, so for any
/// canary at or within the tolerance (tilt ≤ λ₀) its expectation is at most 1, by convexity of the
/// log-normaliser. The same Shiryaev-Roberts e-detector as the error rate's (`LateRegressionWatch`) turns
/// them into an alarm at log(1 + N/α): false with probability at most α over the N looks.
///
/// **Low traffic.** Intervals are compared a pool at a time, as in the analysis (`LatencyBatch`: 32 requests
/// or a minute, closed on label-free counts); each pool is one e-value, so the detector updates at most once a
/// look and its bound over the N looks holds.
///
/// **One odd instance.** Where the source reads instances apart, the canary without each of its instances
/// keeps a detector of its own; the alarm needs every one of them too (at `OddInstanceRule.othersAlpha`'s
/// looser rate), unless that instance restarted — a slow host is not the version (as in the analysis,
/// `MetricEvidence.carrier`).
public struct LateShiftWatch: Codable, Sendable, Equatable {
    public var metric: String
    /// The service's own histogram the metric reads; nil: the HTTP latency.
    public var histogram: String?
    public var allowedIncrease: Double
    /// The histogram's finite bounds (+Inf follows), and both groups' per-bucket counts under them when the
    /// analysis passed: the scores and tilts are read on them.
    public var finiteBounds: [Double]
    public var pooled: [Double]
    var bounds: [Double] { finiteBounds + [.infinity] }
    public var alpha: Double
    public var maxLooks: Int
    public private(set) var looks = 0
    /// log(1 + R_t) of the whole canary's detector, and of each instance's complement (by address).
    public private(set) var evidence = 0.0
    public private(set) var complements: [String: Double] = [:]
    /// Canary instances that restarted during the watch: never the odd one out.
    public private(set) var restarted: Set<String> = []
    /// Each group's requests per bucket since the evidence began to rise, and how many looks that is.
    public private(set) var recentLooks = 0
    public private(set) var recentCanary: [Double] = []
    public private(set) var recentBaseline: [Double] = []
    /// The intervals not compared yet (nil in a state stored before pools: a new one).
    private(set) var batch: LatencyBatch?

    /// How much slower the alternative canary is: twice the tolerated increase.
    public var alternativeIncrease: Double { 2 * allowedIncrease }

    /// log(1 + N/α): what the statistic must reach.
    public var threshold: Double { log1p(Double(maxLooks) / alpha) }

    /// The whole canary over the threshold, and the canary without each instance that did not restart.
    public var alarmed: Bool { evidence >= threshold && carrier == nil }

    /// The canary instance without which the whole canary's alarm would not stand: a slow host, held.
    public var carrier: String? {
        guard evidence >= threshold else { return nil }
        // The others need only tell the version from a host (OddInstanceRule): their alarm at its looser rate.
        let others = min(threshold, log1p(Double(maxLooks) / OddInstanceRule.othersAlpha(whole: alpha)))
        return complements.keys.sorted().first { !restarted.contains($0) && complements[$0]! < others }
    }

    public var ended: Bool { looks >= maxLooks && !alarmed }

    /// The watch for `spec`'s first whole-distribution latency metric with a tolerance, on both groups'
    /// histograms as read when the analysis passed; nil when the spec has none, or those histograms hold fewer
    /// than `LatencyLayoutCheck.minimumRequests` or too few bounds where the requests are to read the tolerance.
    public static func start(for spec: AnalysisSpec, baseline: GroupCounters, canary: GroupCounters, alpha: Double, maxLooks: Int) -> LateShiftWatch? {
        guard let metric = spec.metrics.first(where: { $0.kind == .latency && $0.quantile == nil && $0.allowedIncrease > 0 }) else { return nil }
        let b = metric.histogram.map(baseline.readingLatency(from:)) ?? baseline, c = metric.histogram.map(canary.readingLatency(from:)) ?? canary
        let (bounds, baseCounts) = HistogramMath.perBucket(b.latencyBuckets)
        let (canaryBounds, canaryCounts) = HistogramMath.perBucket(c.latencyBuckets)
        guard bounds.count > 1, bounds == canaryBounds, bounds.last == .infinity, bounds.dropLast().allSatisfy(\.isFinite) else { return nil }
        let pooled = zip(baseCounts, canaryCounts).map { $0 + $1 }
        guard pooled.reduce(0, +) >= LatencyLayoutCheck.minimumRequests, MetricEvidence.logSpread(bounds: bounds, pooled: pooled) != nil else { return nil }
        return LateShiftWatch(metric: metric.name, histogram: metric.histogram, allowedIncrease: metric.allowedIncrease, finiteBounds: Array(bounds.dropLast()),
                              pooled: pooled, alpha: min(max(alpha, 1e-12), 1), maxLooks: max(1, maxLooks))
    }

    init(metric: String, histogram: String?, allowedIncrease: Double, finiteBounds: [Double], pooled: [Double], alpha: Double, maxLooks: Int) {
        self.metric = metric
        self.histogram = histogram
        self.allowedIncrease = allowedIncrease
        self.finiteBounds = finiteBounds
        self.pooled = pooled
        self.alpha = alpha
        self.maxLooks = maxLooks
    }

    /// A group as the metric reads it: its own histogram, or the HTTP latency.
    func reading(_ group: GroupCounters) -> GroupCounters { histogram.map(group.readingLatency(from:)) ?? group }

    /// log E of one interval: a canary `alternativeIncrease` slower against one at the tolerance, each tilt
    /// read as the analysis's fail side reads it (the reading of the buckets' insides that makes a fail harder).
    /// `scores`: the buckets' scores on `pooled` (`LatencyScores.scores`), read once per look by the caller.
    func logE(canary: [Double], baseline: [Double], scores: [Double]) -> Double {
        let served = canary.reduce(0, +), share = served / max(1, served + baseline.reduce(0, +))
        let null = ToleratedShift.tilts(factor: 1 + allowedIncrease, bounds: bounds, pooled: pooled, scores: scores, canaryShare: share).fail
        let alternative = ToleratedShift.tilts(factor: 1 + alternativeIncrease, bounds: bounds, pooled: pooled, scores: scores, canaryShare: share).fail
        guard alternative > null else { return 0 }
        var total = 0.0
        _ = MetricEvidence.reveal(canary: canary, baseline: baseline, scores: scores) { urn, contrast, x in
            total += (alternative - null) * contrast * x - (urn.logMGF(logOmega: alternative * contrast) - urn.logMGF(logOmega: null * contrast))
        }
        return total
    }

    /// Adds the interval between two readings of each group (cumulative, as read), `from` one look `to` the next
    /// (seconds). An interval whose buckets changed, or where the whole group's histogram went back, adds no
    /// evidence (it is still a look) and closes the pool before it; the watch's last look closes it too.
    mutating func look(baseline: (GroupCounters, GroupCounters), canary: (GroupCounters, GroupCounters), from start: Double, to end: Double) {
        guard looks < maxLooks, !alarmed else { return }
        // An interval that cannot be counted is still a look (`LateRegressionWatch.skip`).
        looks += 1
        let (b0, b1, c0, c1) = (reading(baseline.0), reading(baseline.1), reading(canary.0), reading(canary.1))
        let each = IntervalCounts.increases(c0, c1) ?? [:]
        // Before the interval is judged countable: a restart usually sends the whole group's histogram back too.
        for (address, one) in each where one.restarts > 0 { restarted.insert(address) }
        var batch = self.batch ?? LatencyBatch()
        var pools: [LatencyBatch.Pool]
        if let b = IntervalCounts.between(b0, b1), let c = IntervalCounts.between(c0, c1), b.bounds == bounds, c.bounds == bounds {
            // Only an instance whose own latency is read has a complement (as in the analysis): one never updated would hold every alarm.
            let readable = each.compactMapValues(\.latency).filter { $0.value.count == bounds.count }
            pools = batch.add(baseline: b, canary: c, pooled: pooled, instances: readable, unreadable: Set(each.keys).subtracting(readable.keys),
                              from: start, to: end)
        } else {
            pools = batch.flush()
        }
        if looks >= maxLooks { pools += batch.flush() }
        self.batch = batch
        for pool in pools { compare(pool) }
    }

    /// One pool's e-value, for the whole canary and for the canary without each of its instances.
    private mutating func compare(_ pool: LatencyBatch.Pool) {
        // A complement starts from the whole canary's evidence, which it was part of until then.
        for address in pool.instances.keys where complements[address] == nil && pool.instances.count > 1 { complements[address] = evidence }
        // The scores read only the histogram fixed at the pass: one reading serves the whole canary and every complement.
        let scores = LatencyScores.scores(bounds: bounds, pooled: pooled)
        for address in complements.keys where !pool.unreadable.contains(address) {
            // An instance absent from the pool served none of it.
            let own = pool.instances[address] ?? Array(repeating: 0, count: bounds.count)
            let others = zip(pool.canary.buckets, own).map { max(0, $0 - $1) }
            complements[address] = LateRegressionWatch.step(complements[address]!, logE(canary: others, baseline: pool.baseline.buckets, scores: scores))
        }
        evidence = LateRegressionWatch.step(evidence, logE(canary: pool.canary.buckets, baseline: pool.baseline.buckets, scores: scores))
        recentLooks += pool.intervals
        recentCanary = recentCanary.isEmpty ? pool.canary.buckets : zip(recentCanary, pool.canary.buckets).map(+)
        recentBaseline = recentBaseline.isEmpty ? pool.baseline.buckets : zip(recentBaseline, pool.baseline.buckets).map(+)
        if evidence <= log(2.0) { (recentLooks, recentCanary, recentBaseline) = (0, [], []) }
    }

    /// The alarm, or an alarm held by one instance, in words: each group's median and p90 since the evidence began
    /// to rise and since the pass, and the evidence.
    func reason(baselineAtPass: GroupCounters, baseline: GroupCounters, canaryAtPass: GroupCounters, canary: GroupCounters) -> String {
        func quantiles(_ counts: [Double]) -> String {
            let served = counts.reduce(0, +)
            guard served > 0, counts.count == bounds.count else { return "n/a" }
            return "p50 \(JudgeText.latency(HistogramMath.quantile(0.5, bounds: bounds, counts: counts))), "
                + "p90 \(JudgeText.latency(HistogramMath.quantile(0.9, bounds: bounds, counts: counts))) of \(JudgeText.count(served))"
        }
        func since(_ earlier: GroupCounters, _ later: GroupCounters) -> [Double] {
            IntervalCounts.between(reading(earlier), reading(later)).map(\.buckets) ?? []
        }
        let unit = histogram.map { "\($0) observations" } ?? "requests"
        return "late regression after the pass: \(metric)'s \(unit) over the last \(recentLooks) look\(recentLooks == 1 ? "" : "s") (since its evidence began to rise): "
            + "\(quantiles(recentCanary)) on the canary vs \(quantiles(recentBaseline)) on baseline; since the pass, "
            + "\(quantiles(since(canaryAtPass, canary))) on the canary vs \(quantiles(since(baselineAtPass, baseline))) on baseline; "
            + "the watch's evidence for a canary +\(JudgeText.fixed(alternativeIncrease * 100, 0))% slower over the tolerated "
            + "+\(JudgeText.fixed(allowedIncrease * 100, 0))% reached \(JudgeText.fixed(evidence, 1)) (log(1 + R), against log(1 + \(maxLooks) looks / "
            + "α \(JudgeText.alpha(alpha))) = \(JudgeText.fixed(threshold, 1)))"
    }
}
