import Foundation

/// The default judge: anytime-valid evidence, checked at every look, where a pass is earned like a fail.
///
/// - **Error rate** (`ErrorRateEvidence`): confidence sequences on the canary-to-baseline error-rate
///   ratio and on the canary's own error rate. Fail when both show harm beyond the tolerance (ratio above
///   1 + `allowed_increase`, rate above `acceptable_rate`); pass when either shows the canary within it.
/// - **Latency** (`MetricEvidence`): mixture e-processes on the shift of the whole distribution; fail when
///   "worse beyond the allowance" reaches log(1/α'), pass when its mirror rules that out.
/// - **Latency at a quantile** (`TailEvidence`, a metric with `quantile`): the share of requests slower than
///   the baseline's p99 bound, read with the error rate's confidence sequences.
/// - α' = α / (number of metrics), so the whole analysis is wrong with probability at most α, however
///   many looks. Every look counts, from the first request: no minimum sample gate.
/// - The deadline (`final`) never passes: an undecided metric stays **inconclusive**, with its numbers,
///   for the analysis step to extend or hand to a person. A group that served no request at all by then
///   fails the analysis ("no data").
/// - Evidence that could not be counted is never a pass: latency buckets that differ between canary and
///   baseline keep latency inconclusive, and so does an instance's restart (its histogram's interval is
///   lost). Where the source reads instances apart, a restart costs the error rates nothing: what the
///   instance counts after it is what it served since, and the restart counts as a failed request
///   (`IntervalCounts.increase`). Where it does not, counters that went back keep every metric
///   inconclusive. Each with the reason, for a person to decide; a fail already shown still fails.
public struct SequentialJudge: CanaryJudge {
    public let spec: AnalysisSpec
    /// The mixtures' priors: the product's unless the bench asks for others.
    public let mixing: SequentialMixing

    public init(spec: AnalysisSpec, mixing: SequentialMixing = .product) {
        self.spec = spec
        self.mixing = mixing
    }

    public func judge(_ looks: [AnalysisLook], final: Bool) -> Judgement {
        var tracker = tracker()
        for look in looks { tracker.observe(look) }
        return tracker.judgement(final: final)
    }

    /// The same judge, fed one look at a time (what `judge` does over all looks; the bench uses it).
    public func tracker() -> SequentialTracker { SequentialTracker(spec: spec, mixing: mixing) }
}
