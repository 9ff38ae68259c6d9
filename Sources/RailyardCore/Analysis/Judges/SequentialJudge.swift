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
        /// The error rate's intervals in words, as they stood when it was decided.
        var text: String?
        /// The restarts counted by then.
        var restarts: [String: Int] = [:]
    }

    struct MetricState: Sendable {
        var spec: AnalysisMetricSpec
        /// Latency metrics.
        var evidence: MetricEvidence?
        /// Error-rate metrics.
        var errors: ErrorRateEvidence?
        /// Latency metrics with a quantile.
        var tail: TailEvidence?
        var decision: Decision?

        var failStatistic: Double { errors?.failStatistic ?? tail?.failStatistic ?? evidence?.failStatistic ?? 0 }
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
        /// For a histogram problem, which histogram: "" the HTTP latency, else the service's own histogram of
        /// that name; nil: every latency metric (a restart loses them all).
        var histogram: String? = nil
    }
    /// Looks observed so far.
    public private(set) var lookCount = 0
    /// Stable requests counted as control for the error rates (`stableAsControl`).
    public private(set) var stableRequests = 0.0
    /// Restarts seen so far, by group ("canary", "baseline"), each counted as a failed request.
    public private(set) var restarts: [String: Int] = [:]

    init(spec: AnalysisSpec) {
        self.spec = spec
        let metricAlpha = min(max(spec.alpha, 1e-12), 1) / Double(max(1, spec.metrics.count))
        self.metricAlpha = metricAlpha
        boundary = log(1 / metricAlpha)
        metrics = spec.metrics.map { m in
            if m.kind == .errorRate {
                return MetricState(spec: m, errors: ErrorRateEvidence(allowedIncrease: m.allowedIncrease, acceptableRate: m.acceptableRate, alpha: metricAlpha))
            }
            if let quantile = m.quantile {
                return MetricState(spec: m, tail: TailEvidence(quantile: quantile, allowedIncrease: m.allowedIncrease, alpha: metricAlpha,
                                                               unit: m.histogram == nil ? "requests" : "observations"))
            }
            return MetricState(spec: m, evidence: MetricEvidence(allowedIncrease: m.allowedIncrease))
        }
    }

    /// Adds the next look (cumulative counters, in time order).
    public mutating func observe(_ look: AnalysisLook) {
        defer { last = look; lookCount += 1 }
        for histogram in latencyHistograms {
            let seen = Self.reading(look, histogram)
            let canaryBounds = seen.canary.latencyBuckets.map(\.le), baselineBounds = seen.baseline.latencyBuckets.map(\.le)
            if !canaryBounds.isEmpty, !baselineBounds.isEmpty, canaryBounds != baselineBounds {
                let what = histogram.isEmpty ? "latency" : histogram
                note(Gap(latencyOnly: true, reason: "the canary's \(what) buckets (\(JudgeText.bounds(canaryBounds))) differ from the baseline's "
                         + "(\(JudgeText.bounds(baselineBounds))): \(what) cannot be compared, so it cannot pass", histogram: histogram))
            }
        }
        let window = "between \(JudgeText.fixed(last.elapsed, 0)) s and \(JudgeText.fixed(look.elapsed, 0)) s"
        // The error rates read requests and errors instance by instance where the source tells instances apart,
        // so that a restart costs nothing but counts as a failure (`IntervalCounts.increase`), and the group's
        // sums otherwise; latency reads each histogram over the interval (`HistogramInterval`, below).
        let histograms = (baseline: IntervalCounts.between(last.baseline, look.baseline), canary: IntervalCounts.between(last.canary, look.canary))
        let canaryInstances = IntervalCounts.increases(last.canary, look.canary)
        var counted: [String: IntervalCounts] = [:]
        var restarted = false
        for (group, between, each) in [("canary", histograms.canary, canaryInstances),
                                       ("baseline", histograms.baseline, IntervalCounts.increases(last.baseline, look.baseline))] {
            if let each {
                let increase = IntervalCounts.Increase(summing: each)
                counted[group] = increase.errorCounts()
                guard increase.restarts > 0 else { continue }
                restarted = true
                restarts[group, default: 0] += increase.restarts
                note(Gap(latencyOnly: true, reason: "the \(group) restarted \(window) (\(increase.restarts) instance\(increase.restarts == 1 ? "" : "s")): "
                         + "its latency over that interval cannot be counted, so latency cannot pass; for the error rates each restart counts as a failed request"))
            } else if let between {
                counted[group] = between
            } else {
                note(Gap(latencyOnly: false, reason: "the \(group)'s counters went back \(window) (an instance restarted, or its histogram changed): "
                         + "that interval's requests and errors cannot be counted, so no metric can pass; a restart is itself a warning"))
            }
        }
        guard let baselineCounts = counted["baseline"], let canary = counted["canary"] else { return }
        // Each histogram's interval; latency over an interval where an instance restarted is lost with its histogram.
        var intervals: [String: HistogramInterval] = [:]
        for histogram in latencyHistograms {
            intervals[histogram] = HistogramInterval(Self.reading(last, histogram), Self.reading(look, histogram), restarted: restarted)
        }
        // The error rates' control: the baseline, and the stable group beside it when asked for and readable
        // over this interval (which group serves as control is known before the interval's outcomes).
        var control = baselineCounts
        if spec.stableAsControl, let now = look.stable, let before = lookCount == 0 ? GroupCounters.zero : last.stable,
           let stable = IntervalCounts.increase(before, now)?.errorCounts() ?? IntervalCounts.between(before, now) {
            control.requests += stable.requests
            control.errors += stable.errors
            stableRequests += stable.requests
        }
        // The canary's instances apart, for a fail that must not rest on one of them.
        let restartedInstances = Set((canaryInstances ?? [:]).filter { $0.value.restarts > 0 }.keys)
        for i in metrics.indices {
            let verdict: VerdictKind
            let statistic: Double
            var text: String?
            if var errors = metrics[i].errors {
                let spec = metrics[i].spec
                let instances = (canaryInstances ?? [:]).mapValues { $0.errorCounts(for: spec) }
                if spec.failedCounter == nil {
                    errors.add(baseline: control, canary: canary, instances: instances, restarted: restartedInstances)
                } else if let counted = namedCounts(spec, look, window: window) {
                    errors.add(baseline: counted.control, canary: counted.canary, instances: instances, restarted: restartedInstances)
                }
                metrics[i].errors = errors
                guard metrics[i].decision == nil else { continue }
                let reading = errors.reading()
                guard let decided = reading.verdict else { continue }
                verdict = decided
                statistic = errors.failStatistic
                text = reading.text
            } else if var tail = metrics[i].tail {
                let interval = intervals[metrics[i].spec.histogram ?? ""] ?? HistogramInterval()
                if let latency = interval.counts {
                    tail.add(baseline: latency.baseline, canary: latency.canary, reference: interval.reference, bounds: interval.bounds,
                             instances: interval.instances, restarted: restartedInstances, unreadable: interval.unreadable)
                } else {
                    tail.markRestarted(restartedInstances)
                }
                metrics[i].tail = tail
                guard metrics[i].decision == nil else { continue }
                let reading = tail.reading(undecided: "no decision yet", baselineRequests: interval.reference.reduce(0, +))
                guard let decided = reading.verdict else { continue }
                verdict = decided
                statistic = tail.failStatistic
                text = reading.text
            } else if var evidence = metrics[i].evidence {
                let interval = intervals[metrics[i].spec.histogram ?? ""] ?? HistogramInterval()
                if let latency = interval.counts {
                    evidence.add(baseline: latency.baseline, canary: latency.canary, pooled: interval.pooled, instances: interval.instances,
                                 unreadable: interval.unreadable)
                }
                evidence.markRestarted(restartedInstances)
                metrics[i].evidence = evidence
                if evidence.tooCoarse {
                    note(Gap(latencyOnly: true, reason: LatencyLayoutCheck.coarseReason(bounds: interval.bounds, allowedIncrease: metrics[i].spec.allowedIncrease),
                             histogram: metrics[i].spec.histogram ?? ""))
                }
                guard metrics[i].decision == nil else { continue }
                if evidence.failStatistic >= boundary, evidence.carrier(boundary: boundary) == nil {
                    verdict = .fail
                    statistic = evidence.failStatistic
                } else if evidence.passStatistic >= boundary {
                    verdict = .pass
                    statistic = evidence.passStatistic
                } else { continue }
            } else { continue }
            let seen = view(look, for: metrics[i].spec)
            let values = Self.values(metrics[i].spec, seen)
            metrics[i].decision = Decision(verdict: verdict, statistic: statistic, baselineValue: values.baseline,
                                           canaryValue: values.canary, baseline: seen.baseline, canary: seen.canary,
                                           elapsed: look.elapsed, text: text, restarts: restarts)
        }
    }

    /// An error-rate metric on the service's own counters over this interval: failures and attempts as
    /// it counts them, the stable group's added as for the HTTP counts; nil (with the gap noted) when one
    /// of the canary's or the baseline's went back.
    mutating func namedCounts(_ metric: AnalysisMetricSpec, _ look: AnalysisLook, window: String) -> (control: IntervalCounts, canary: IntervalCounts)? {
        func delta(_ earlier: GroupCounters, _ later: GroupCounters) -> IntervalCounts? {
            // Instance by instance, each restart one more failed attempt, as for the HTTP counts.
            if let increase = IntervalCounts.increase(earlier, later) { return increase.errorCounts(for: metric) }
            let before = metric.failedAndTotal(earlier), after = metric.failedAndTotal(later)
            let failed = after.failed - before.failed, total = after.total - before.total
            guard failed >= 0, total >= 0 else { return nil }
            return IntervalCounts(requests: total, errors: min(failed, total), buckets: [], bounds: [])
        }
        let names = metric.namedCounters.joined(separator: " or ")
        guard let canary = delta(last.canary, look.canary) else {
            note(Gap(latencyOnly: false, reason: "the canary's \(names) went back \(window) (an instance restarted): that interval cannot be counted, so no metric can pass"))
            return nil
        }
        guard var control = delta(last.baseline, look.baseline) else {
            note(Gap(latencyOnly: false, reason: "the baseline's \(names) went back \(window) (an instance restarted): that interval cannot be counted, so no metric can pass"))
            return nil
        }
        if spec.stableAsControl, let now = look.stable, let before = lookCount == 0 ? GroupCounters.zero : last.stable, let stable = delta(before, now) {
            control.requests += stable.requests
            control.errors += stable.errors
        }
        return (control, canary)
    }

    mutating func note(_ gap: Gap) {
        if !gaps.contains(gap) { gaps.append(gap) }
    }

    /// What keeps this metric from passing, if anything.
    func gap(for metric: AnalysisMetricSpec) -> String? {
        let found = gaps.filter { gap in
            !gap.latencyOnly || (metric.kind == .latency && (gap.histogram == nil || gap.histogram == (metric.histogram ?? "")))
        }.map(\.reason)
        return found.isEmpty ? nil : found.joined(separator: "; ")
    }

    /// The histograms the latency metrics read: "" for the HTTP latency, else the service's own by name.
    var latencyHistograms: [String] {
        metrics.filter { $0.spec.kind == .latency }.map { $0.spec.histogram ?? "" }.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    /// The look as a metric on `histogram` reads it ("" the HTTP latency: as it is).
    static func reading(_ look: AnalysisLook, _ histogram: String) -> AnalysisLook {
        guard !histogram.isEmpty else { return look }
        var seen = look
        seen.baseline = look.baseline.readingLatency(from: histogram)
        seen.canary = look.canary.readingLatency(from: histogram)
        seen.stable = look.stable?.readingLatency(from: histogram)
        return seen
    }

    /// fail or pass once decided (before the deadline); nil while undecided.
    public var decided: VerdictKind? {
        if metrics.contains(where: { $0.decision?.verdict == .fail }) { return .fail }
        if !metrics.isEmpty && metrics.allSatisfy({ $0.decision?.verdict == .pass && gap(for: $0.spec) == nil }) { return .pass }
        return nil
    }

    /// The current fail-side statistic of each metric (a log e-value), in spec order.
    public var statistics: [Double] { metrics.map(\.failStatistic) }

    static func values(_ metric: AnalysisMetricSpec, _ look: AnalysisLook) -> (baseline: Double, canary: Double) {
        switch metric.kind {
        case .errorRate:
            let b = metric.failedAndTotal(look.baseline), c = metric.failedAndTotal(look.canary)
            return (b.total > 0 ? b.failed / b.total : .nan, c.total > 0 ? c.failed / c.total : .nan)
        case .latency:
            let b = HistogramMath.perBucket(look.baseline.latencyBuckets)
            let c = HistogramMath.perBucket(look.canary.latencyBuckets)
            let q = metric.quantile ?? 0.5
            return (HistogramMath.quantile(q, bounds: b.bounds, counts: b.counts),
                    HistogramMath.quantile(q, bounds: c.bounds, counts: c.counts))
        }
    }

    public func judgement(final: Bool) -> Judgement {
        let look = last
        let alphaText = metrics.count > 1
            ? "α=\(JudgeText.alpha(spec.alpha)), \(JudgeText.alpha(metricAlpha)) per metric"
            : "α=" + JudgeText.alpha(metricAlpha)
        let boundaryText = JudgeText.fixed(boundary, 2)
        let noData = lookCount == 0 || look.canary.requests <= 0 || look.baseline.requests <= 0
        var verdicts: [MetricVerdict] = []
        for m in metrics {
            let name = m.spec.name
            let kind = m.spec.kind
            let metricBoundary = m.errors?.boundary ?? m.tail?.counts?.boundary ?? boundary
            if let d = m.decision, d.verdict == .fail || gap(for: m.spec) == nil {
                let compared = Self.comparison(m.spec, baseline: d.baselineValue, canary: d.canaryValue,
                                               baselineCounters: d.baseline, canaryCounters: d.canary, control: control(for: m.spec))
                    + Self.restartNote(m.spec, d.restarts)
                let reason: String
                if let text = d.text {
                    reason = compared + "; " + text
                } else if d.verdict == .fail {
                    reason = compared + "; boundary crossed at \(alphaText) (log Bayes factor \(JudgeText.fixed(d.statistic, 2)) ≥ \(boundaryText))"
                } else {
                    let allowance = m.spec.allowedIncrease > 0 ? "an increase over +\(JudgeText.fixed(m.spec.allowedIncrease * 100, 0))%" : "any increase"
                    reason = compared + "; \(allowance) ruled out at \(alphaText) (log Bayes factor \(JudgeText.fixed(d.statistic, 2)) ≥ \(boundaryText))"
                }
                verdicts.append(MetricVerdict(metric: name, verdict: d.verdict, reason: reason, baselineValue: d.baselineValue,
                                              canaryValue: d.canaryValue, statistic: d.verdict == .fail ? d.statistic : m.failStatistic,
                                              boundary: metricBoundary))
                continue
            }
            let seen = view(look, for: m.spec)
            let values = Self.values(m.spec, seen)
            let statistic = m.failStatistic
            let compared = Self.comparison(m.spec, baseline: values.baseline, canary: values.canary,
                                           baselineCounters: seen.baseline, canaryCounters: seen.canary, control: control(for: m.spec))
                + Self.restartNote(m.spec, restarts)
            let hasHistogram = kind == .errorRate || (!seen.canary.latencyBuckets.isEmpty && !seen.baseline.latencyBuckets.isEmpty)
            let verdict: VerdictKind
            let reason: String
            if noData {
                verdict = final ? .fail : .inconclusive
                reason = final ? Self.noDataReason(look) : Self.waitingReason(look)
            } else if let gap = gap(for: m.spec) {
                verdict = .inconclusive
                reason = "\(name): \(gap)"
            } else if !hasHistogram {
                verdict = .inconclusive
                reason = "\(name): no \(m.spec.histogram.map { "\($0) histogram" } ?? "latency histogram") from "
                    + (seen.canary.latencyBuckets.isEmpty ? "the canary" : "the baseline")
            } else {
                // Undecided, at the deadline too: a pass is earned, never given for want of a fail.
                verdict = .inconclusive
                let open = final ? "not shown either way by the deadline" : "no decision yet"
                if let errors = m.errors {
                    reason = compared + "; " + errors.reading(undecided: open).text
                } else if let tail = m.tail {
                    reason = compared + "; " + tail.reading(undecided: open, baselineRequests: seen.baseline.latencyBuckets.last?.count ?? 0).text
                } else if let evidence = m.evidence, let carrier = evidence.carrier(boundary: boundary) {
                    reason = compared + "; \(open): " + evidence.carrierText(carrier, boundary: boundary)
                } else {
                    reason = compared + "; \(open): log Bayes factor \(JudgeText.fixed(statistic, 2)) of \(boundaryText) either way (\(alphaText))"
                }
            }
            verdicts.append(MetricVerdict(metric: name, verdict: verdict, reason: reason, baselineValue: values.baseline,
                                          canaryValue: values.canary, statistic: statistic, boundary: metricBoundary))
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

    /// For an error rate, the restarts it counted as failures: " (1 canary restart counted as a failure)".
    static func restartNote(_ metric: AnalysisMetricSpec, _ restarts: [String: Int]) -> String {
        guard metric.kind == .errorRate, !restarts.isEmpty else { return "" }
        let parts = ["canary", "baseline"].compactMap { group in
            restarts[group].map { "\($0) \(group) restart\($0 == 1 ? "" : "s")" }
        }
        return " (\(parts.joined(separator: " and ")) counted as failures)"
    }

    /// The error rates' control group, in words: "baseline", or "baseline and stable" once stable requests count.
    func control(for metric: AnalysisMetricSpec) -> String {
        metric.kind == .errorRate && stableRequests > 0 ? "baseline and stable" : "baseline"
    }

    /// The look as a metric sees it: an error rate's baseline with the stable group's requests and errors
    /// added, when they are counted as control (for the figures shown; the evidence counts per interval).
    func view(_ look: AnalysisLook, for metric: AnalysisMetricSpec) -> AnalysisLook {
        if let histogram = metric.histogram { return Self.reading(look, histogram) }
        guard metric.kind == .errorRate, spec.stableAsControl, stableRequests > 0, let stable = look.stable else { return look }
        var seen = look
        seen.baseline.requests += stable.requests
        seen.baseline.errors += stable.errors
        seen.baseline.counters.merge(stable.counters, uniquingKeysWith: +)
        return seen
    }

    static func comparison(_ metric: AnalysisMetricSpec, baseline: Double, canary: Double,
                           baselineCounters: GroupCounters, canaryCounters: GroupCounters, control: String = "baseline") -> String {
        // An error rate on the service's own counters counts its attempts; everything else counts requests.
        // A latency metric on the service's own histogram counts its observations.
        let named = metric.kind == .errorRate && metric.totalCounter != nil
        var canaryTotal = named ? metric.failedAndTotal(canaryCounters).total : canaryCounters.requests
        var baselineTotal = named ? metric.failedAndTotal(baselineCounters).total : baselineCounters.requests
        var unit = named ? metric.totalCounter ?? "" : "requests"
        if metric.kind == .latency, let histogram = metric.histogram {
            canaryTotal = canaryCounters.latencyBuckets.last?.count ?? 0
            baselineTotal = baselineCounters.latencyBuckets.last?.count ?? 0
            unit = histogram + " observations"
        }
        let after = "after \(JudgeText.count(canaryTotal)) canary and \(JudgeText.count(baselineTotal)) \(control) \(unit)"
        let name = metric.name
        if let quantile = metric.quantile {
            let p = TailEvidence.name(quantile)
            return "\(name) \(p) \(JudgeText.latency(canary)) vs \(JudgeText.latency(baseline)) on baseline \(after)"
        }
        switch metric.kind {
        case .errorRate:
            return "\(name) \(JudgeText.percent(canary)) vs \(JudgeText.percent(baseline)) on \(control) \(after)"
        case .latency:
            return "\(name) p50 \(JudgeText.latency(canary)) vs \(JudgeText.latency(baseline)) on baseline (whole distribution compared) \(after)"
        }
    }

    static func waitingReason(_ look: AnalysisLook) -> String {
        "waiting for data: canary \(JudgeText.count(look.canary.requests)) and baseline \(JudgeText.count(look.baseline.requests)) requests so far"
    }

    static func waitingReason(_ name: String, _ look: AnalysisLook, minSamples: Int) -> String {
        "waiting for data: canary \(JudgeText.count(look.canary.requests)) and baseline \(JudgeText.count(look.baseline.requests)) requests of the \(JudgeText.grouped(max(1, minSamples))) each needs"
    }

    static func noDataReason(_ look: AnalysisLook) -> String {
        let missing = [look.canary.requests <= 0 ? "the canary" : nil, look.baseline.requests <= 0 ? "the baseline" : nil].compactMap { $0 }
        return "no data from \(missing.isEmpty ? "either group" : missing.joined(separator: " or ")) by the deadline (\(JudgeText.fixed(look.elapsed, 0)) s)"
    }
}
