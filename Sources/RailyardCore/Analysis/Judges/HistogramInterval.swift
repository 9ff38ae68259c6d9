/// One latency histogram over the interval between two looks, as the sequential judge's latency evidence
/// reads it: both groups' per-bucket counts, the pooled cumulative counts the scores come from, the
/// baseline's cumulative counts the tail's bound is chosen on, and the canary's instances apart.
struct HistogramInterval: Sendable {
    /// Nil when the interval cannot be counted: an instance restarted (its histogram's interval is lost),
    /// a counter went back, or the groups' buckets differ.
    var counts: (baseline: IntervalCounts, canary: IntervalCounts)?
    /// Both groups' cumulative per-bucket counts at the later look (label-free); empty when their bounds differ.
    var pooled: [Double] = []
    /// The baseline's cumulative per-bucket counts at the later look, when the bounds agree.
    var reference: [Double] = []
    var bounds: [Double] = []
    /// The canary's requests per bucket over the interval, by instance, where the source reads them apart.
    var instances: [String: [Double]] = [:]
    /// Canary instances read over the interval whose histogram could not be (not "served none").
    var unreadable: Set<String> = []

    init() {}

    /// `earlier` and `later` as the metric reads them (`SequentialTracker.reading`).
    init(_ earlier: AnalysisLook, _ later: AnalysisLook, restarted: Bool) {
        bounds = later.baseline.latencyBuckets.map(\.le)
        if !restarted, let b = IntervalCounts.between(earlier.baseline, later.baseline), let c = IntervalCounts.between(earlier.canary, later.canary) {
            counts = (b, c)
            let each = IntervalCounts.increases(earlier.canary, later.canary) ?? [:]
            instances = each.compactMapValues(\.latency)
            unreadable = Set(each.keys).subtracting(instances.keys)
        }
        guard bounds == later.canary.latencyBuckets.map(\.le) else { return }
        let b = HistogramMath.perBucket(later.baseline.latencyBuckets).counts
        let c = HistogramMath.perBucket(later.canary.latencyBuckets).counts
        reference = b
        pooled = zip(b, c).map { $0 + $1 }
    }
}
