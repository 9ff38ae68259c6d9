import Foundation

/// The default judge: anytime-valid sequential tests, checked at every look (see `MetricEvidence`).
///
/// - **Fail** as soon as a metric's log Bayes factor for "canary worse" reaches log(1/α'), at a look where
///   both groups have at least `minSamples` requests. α' = α / (number of metrics), so the whole analysis
///   fails a canary that is no worse than its baseline with probability at most α, however many looks.
/// - **Pass early** when every metric's mirror test rules out a regression beyond its `allowedIncrease` at
///   the same α' (with `allowedIncrease` 0 that needs a canary shown *better*, so in practice it passes at
///   the deadline).
/// - **Pass at the deadline** (`final`) when no boundary was crossed and both groups reached `minSamples`.
/// - Otherwise **inconclusive**: "waiting for data" below `minSamples`, or no decision yet. At the deadline
///   a group that served no request at all fails the analysis ("no data").
/// - Evidence that could not be counted is never a pass: latency buckets that differ between canary and
///   baseline keep latency inconclusive, and counters that went back (a restart) keep every metric
///   inconclusive, each with the reason, for a person to decide.
public struct SequentialJudge: CanaryJudge {
    public let spec: AnalysisSpec

    public init(spec: AnalysisSpec) { self.spec = spec }

    public func judge(_ looks: [AnalysisLook], final: Bool) -> Judgement {
        var tracker = tracker()
        for look in looks { tracker.observe(look) }
        return tracker.judgement(final: final)
    }

    /// The same judge, fed one look at a time (what `judge` does over all looks; the bench uses it).
    public func tracker() -> SequentialTracker { SequentialTracker(spec: spec) }
}

/// Incremental state of a `SequentialJudge`: observe cumulative looks in order, ask for the judgement.
public struct SequentialTracker: Sendable {
    public let spec: AnalysisSpec
    /// α for each metric (Bonferroni over the metrics) and the boundary log(1/α') its statistic is compared with.
    public let metricAlpha: Double
    public let boundary: Double

    struct Decision: Sendable {
        var verdict: VerdictKind
        var statistic: Double
        var baselineValue: Double
        var canaryValue: Double
        var baseline: GroupCounters
        var canary: GroupCounters
        var elapsed: Double
    }

    struct MetricState: Sendable {
        var spec: AnalysisMetricSpec
        var evidence: MetricEvidence
        var decision: Decision?
    }

    private(set) var metrics: [MetricState]
    private var last = AnalysisLook(elapsed: 0, baseline: .zero, canary: .zero)
    /// Why some evidence could not be counted (histograms that differ, counters that went back), in the
    /// order found: while any applies to a metric, it never passes, it is left to a person.
    private(set) var gaps: [Gap] = []

    struct Gap: Sendable, Equatable {
        /// Latency only (a histogram problem), or every metric (an interval dropped).
        var latencyOnly: Bool
        var reason: String
    }
    /// Looks observed so far.
    public private(set) var lookCount = 0

    init(spec: AnalysisSpec) {
        self.spec = spec
        metricAlpha = min(max(spec.alpha, 1e-12), 1) / Double(max(1, spec.metrics.count))
        boundary = log(1 / metricAlpha)
        metrics = spec.metrics.map { m in
            MetricState(spec: m, evidence: MetricEvidence(kind: m.kind == .errorRate ? .errorRate : .latency,
                                                          allowedIncrease: m.allowedIncrease))
        }
    }

    /// Adds the next look (cumulative counters, in time order).
    public mutating func observe(_ look: AnalysisLook) {
        defer { last = look; lookCount += 1 }
        let canaryBounds = look.canary.latencyBuckets.map(\.le), baselineBounds = look.baseline.latencyBuckets.map(\.le)
        if metrics.contains(where: { $0.spec.kind == .latency }), !canaryBounds.isEmpty, !baselineBounds.isEmpty, canaryBounds != baselineBounds {
            note(Gap(latencyOnly: true, reason: "the canary's latency buckets (\(JudgeText.bounds(canaryBounds))) differ from the baseline's "
                     + "(\(JudgeText.bounds(baselineBounds))): latency cannot be compared, so it cannot pass"))
        }
        let window = "between \(JudgeText.fixed(last.elapsed, 0)) s and \(JudgeText.fixed(look.elapsed, 0)) s"
        let baseline = IntervalCounts.between(last.baseline, look.baseline)
        let canary = IntervalCounts.between(last.canary, look.canary)
        for (group, counts) in [("canary", canary), ("baseline", baseline)] where counts == nil {
            note(Gap(latencyOnly: false, reason: "the \(group)'s counters went back \(window) (an instance restarted, or its histogram changed): "
                     + "that interval's requests and errors cannot be counted, so no metric can pass; a restart is itself a warning"))
        }
        guard let baseline, let canary else { return }
        var pooled: [Double] = []
        if metrics.contains(where: { $0.spec.kind == .latency }),
           look.baseline.latencyBuckets.map(\.le) == look.canary.latencyBuckets.map(\.le) {
            let b = HistogramMath.perBucket(look.baseline.latencyBuckets).counts
            let c = HistogramMath.perBucket(look.canary.latencyBuckets).counts
            pooled = zip(b, c).map { $0 + $1 }
        }
        let gated = enoughSamples(look)
        for i in metrics.indices {
            metrics[i].evidence.add(baseline: baseline, canary: canary, pooled: pooled)
            guard gated, metrics[i].decision == nil else { continue }
            let evidence = metrics[i].evidence
            let verdict: VerdictKind
            let statistic: Double
            if evidence.failStatistic >= boundary {
                verdict = .fail
                statistic = evidence.failStatistic
            } else if evidence.passStatistic >= boundary {
                verdict = .pass
                statistic = evidence.passStatistic
            } else { continue }
            let values = Self.values(metrics[i].spec.kind, look)
            metrics[i].decision = Decision(verdict: verdict, statistic: statistic, baselineValue: values.baseline,
                                           canaryValue: values.canary, baseline: look.baseline, canary: look.canary,
                                           elapsed: look.elapsed)
        }
    }

    mutating func note(_ gap: Gap) {
        if !gaps.contains(gap) { gaps.append(gap) }
    }

    /// What keeps a metric of this kind from passing, if anything.
    func gap(for kind: AnalysisMetricSpec.Kind) -> String? {
        let found = gaps.filter { !$0.latencyOnly || kind == .latency }.map(\.reason)
        return found.isEmpty ? nil : found.joined(separator: "; ")
    }

    /// fail or pass once decided (before the deadline); nil while undecided.
    public var decided: VerdictKind? {
        if metrics.contains(where: { $0.decision?.verdict == .fail }) { return .fail }
        if !metrics.isEmpty && metrics.allSatisfy({ $0.decision?.verdict == .pass && gap(for: $0.spec.kind) == nil }) { return .pass }
        return nil
    }

    /// The current log Bayes factor of each metric (fail side), in spec order.
    public var statistics: [Double] { metrics.map { $0.evidence.failStatistic } }

    private func enoughSamples(_ look: AnalysisLook) -> Bool {
        let needed = Double(max(1, spec.minSamples))
        return look.baseline.requests >= needed && look.canary.requests >= needed
    }

    static func values(_ kind: AnalysisMetricSpec.Kind, _ look: AnalysisLook) -> (baseline: Double, canary: Double) {
        switch kind {
        case .errorRate:
            return (look.baseline.requests > 0 ? look.baseline.errors / look.baseline.requests : .nan,
                    look.canary.requests > 0 ? look.canary.errors / look.canary.requests : .nan)
        case .latency:
            let b = HistogramMath.perBucket(look.baseline.latencyBuckets)
            let c = HistogramMath.perBucket(look.canary.latencyBuckets)
            return (HistogramMath.quantile(0.5, bounds: b.bounds, counts: b.counts),
                    HistogramMath.quantile(0.5, bounds: c.bounds, counts: c.counts))
        }
    }

    public func judgement(final: Bool) -> Judgement {
        let look = last
        let alphaText = metrics.count > 1
            ? "α=\(JudgeText.alpha(spec.alpha)), \(JudgeText.alpha(metricAlpha)) per metric"
            : "α=" + JudgeText.alpha(metricAlpha)
        let boundaryText = JudgeText.fixed(boundary, 2)
        let noData = lookCount == 0 || look.canary.requests <= 0 || look.baseline.requests <= 0
        let gated = lookCount > 0 && enoughSamples(look)
        var verdicts: [MetricVerdict] = []
        for m in metrics {
            let name = m.spec.name
            let kind = m.spec.kind
            if let d = m.decision, d.verdict == .fail || gap(for: kind) == nil {
                let compared = Self.comparison(kind, name: name, baseline: d.baselineValue, canary: d.canaryValue,
                                               baselineCounters: d.baseline, canaryCounters: d.canary)
                let reason: String
                if d.verdict == .fail {
                    reason = compared + "; boundary crossed at \(alphaText) (log Bayes factor \(JudgeText.fixed(d.statistic, 2)) ≥ \(boundaryText))"
                } else {
                    let allowance = m.spec.allowedIncrease > 0 ? "an increase over +\(JudgeText.fixed(m.spec.allowedIncrease * 100, 0))%" : "any increase"
                    reason = compared + "; \(allowance) ruled out at \(alphaText) (log Bayes factor \(JudgeText.fixed(d.statistic, 2)) ≥ \(boundaryText))"
                }
                verdicts.append(MetricVerdict(metric: name, verdict: d.verdict, reason: reason, baselineValue: d.baselineValue,
                                              canaryValue: d.canaryValue, statistic: d.verdict == .fail ? d.statistic : m.evidence.failStatistic,
                                              boundary: boundary))
                continue
            }
            let values = Self.values(kind, look)
            let statistic = m.evidence.failStatistic
            let compared = Self.comparison(kind, name: name, baseline: values.baseline, canary: values.canary,
                                           baselineCounters: look.baseline, canaryCounters: look.canary)
            let hasHistogram = kind == .errorRate || (!look.canary.latencyBuckets.isEmpty && !look.baseline.latencyBuckets.isEmpty)
            let verdict: VerdictKind
            let reason: String
            if !gated {
                verdict = final && noData ? .fail : .inconclusive
                reason = final && noData ? Self.noDataReason(look) : Self.waitingReason(name, look, minSamples: spec.minSamples)
            } else if let gap = gap(for: kind) {
                verdict = .inconclusive
                reason = "\(name): \(gap)"
            } else if !hasHistogram {
                verdict = .inconclusive
                reason = "\(name): no latency histogram from " + (look.canary.latencyBuckets.isEmpty ? "the canary" : "the baseline")
            } else if final {
                verdict = .pass
                reason = compared + "; no regression: log Bayes factor \(JudgeText.fixed(statistic, 2)) stayed below \(boundaryText) (\(alphaText))"
            } else {
                verdict = .inconclusive
                reason = compared + "; no decision yet: log Bayes factor \(JudgeText.fixed(statistic, 2)) of \(boundaryText) (\(alphaText))"
            }
            verdicts.append(MetricVerdict(metric: name, verdict: verdict, reason: reason, baselineValue: values.baseline,
                                          canaryValue: values.canary, statistic: statistic, boundary: boundary))
        }
        return Self.combine(verdicts, final: final, noData: noData, look: look)
    }

    /// fail if a metric fails, pass when every metric passes, inconclusive otherwise.
    static func combine(_ verdicts: [MetricVerdict], final: Bool, noData: Bool, look: AnalysisLook) -> Judgement {
        if verdicts.isEmpty {
            if final && noData { return Judgement(verdict: .fail, reason: noDataReason(look), metrics: []) }
            return Judgement(verdict: final ? .pass : .inconclusive, reason: "no metrics to judge", metrics: [])
        }
        let failing = verdicts.filter { $0.verdict == .fail }
        if !failing.isEmpty {
            if final && noData { return Judgement(verdict: .fail, reason: noDataReason(look), metrics: verdicts) }
            return Judgement(verdict: .fail, reason: failing.map(\.reason).joined(separator: "; "), metrics: verdicts)
        }
        if verdicts.allSatisfy({ $0.verdict == .pass }) {
            return Judgement(verdict: .pass, reason: verdicts.map(\.reason).joined(separator: "; "), metrics: verdicts)
        }
        let open = verdicts.filter { $0.verdict == .inconclusive }
        var reasons: [String] = []
        for reason in open.map(\.reason) where !reasons.contains(reason) { reasons.append(reason) }
        return Judgement(verdict: .inconclusive, reason: reasons.joined(separator: "; "), metrics: verdicts)
    }

    static func comparison(_ kind: AnalysisMetricSpec.Kind, name: String, baseline: Double, canary: Double,
                           baselineCounters: GroupCounters, canaryCounters: GroupCounters) -> String {
        let after = "after \(JudgeText.count(canaryCounters.requests)) canary and \(JudgeText.count(baselineCounters.requests)) baseline requests"
        switch kind {
        case .errorRate:
            return "\(name) \(JudgeText.percent(canary)) vs \(JudgeText.percent(baseline)) on baseline \(after)"
        case .latency:
            return "\(name) p50 \(JudgeText.latency(canary)) vs \(JudgeText.latency(baseline)) on baseline (whole distribution compared) \(after)"
        }
    }

    static func waitingReason(_ name: String, _ look: AnalysisLook, minSamples: Int) -> String {
        "waiting for data: canary \(JudgeText.count(look.canary.requests)) and baseline \(JudgeText.count(look.baseline.requests)) requests of the \(JudgeText.grouped(max(1, minSamples))) each needs"
    }

    static func noDataReason(_ look: AnalysisLook) -> String {
        let missing = [look.canary.requests <= 0 ? "the canary" : nil, look.baseline.requests <= 0 ? "the baseline" : nil].compactMap { $0 }
        return "no data from \(missing.isEmpty ? "either group" : missing.joined(separator: " or ")) by the deadline (\(JudgeText.fixed(look.elapsed, 0)) s)"
    }
}
