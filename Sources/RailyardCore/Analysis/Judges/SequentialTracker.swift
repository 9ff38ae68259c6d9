import Foundation

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
        /// Latency metrics, and the pool their shift's next comparison gathers (`LatencyBatch`).
        var evidence: MetricEvidence?
        var batch = LatencyBatch()
        /// Error-rate metrics.
        var errors: ErrorRateEvidence?
        /// Latency metrics with a quantile.
        var tail: TailEvidence?
        var decision: Decision?

        var failStatistic: Double { errors?.failStatistic ?? tail?.failStatistic ?? evidence?.failStatistic ?? 0 }
    }

    private(set) var metrics: [MetricState]
    private(set) var last = AnalysisLook(elapsed: 0, baseline: .zero, canary: .zero)
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

    init(spec: AnalysisSpec, mixing: SequentialMixing = .product) {
        self.spec = spec
        let metricAlpha = min(max(spec.alpha, 1e-12), 1) / Double(max(1, spec.metrics.count))
        self.metricAlpha = metricAlpha
        boundary = log(1 / metricAlpha)
        metrics = spec.metrics.map { m in
            if m.kind == .errorRate {
                return MetricState(spec: m, errors: ErrorRateEvidence(allowedIncrease: m.allowedIncrease, acceptableRate: m.acceptableRate, alpha: metricAlpha,
                                                                                  ratioSpread: mixing.ratioSpread))
            }
            if let quantile = m.quantile {
                return MetricState(spec: m, tail: TailEvidence(quantile: quantile, allowedIncrease: m.allowedIncrease, alpha: metricAlpha,
                                                               unit: m.histogram == nil ? "requests" : "observations", ratioSpread: mixing.ratioSpread))
            }
            return MetricState(spec: m, evidence: MetricEvidence(allowedIncrease: m.allowedIncrease, failGrid: mixing.latencyFailGrid),
                               batch: LatencyBatch(requests: mixing.latencyPool))
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
        guard let baselineCounts = counted["baseline"], let canary = counted["canary"] else {
            // No metric counts this interval; a latency shift's pool still closes before it (and at a deadline).
            for i in metrics.indices where metrics[i].evidence != nil { observeLatency(i, look, HistogramInterval(), restarted: []) }
            return
        }
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
                // A restart loses the interval's histograms (no counts), and is never an instance's excuse.
                tail.markRestarted(restartedInstances)
                if let latency = interval.counts {
                    tail.add(baseline: latency.baseline, canary: latency.canary, reference: interval.reference, bounds: interval.bounds,
                             instances: interval.instances, unreadable: interval.unreadable)
                }
                metrics[i].tail = tail
                guard metrics[i].decision == nil else { continue }
                let reading = tail.reading(undecided: "no decision yet", baselineRequests: interval.reference.reduce(0, +))
                guard let decided = reading.verdict else { continue }
                verdict = decided
                statistic = tail.failStatistic
                text = reading.text
            } else if metrics[i].evidence != nil {
                observeLatency(i, look, intervals[metrics[i].spec.histogram ?? ""] ?? HistogramInterval(), restarted: restartedInstances)
                continue
            } else { continue }
            decide(i, verdict, statistic: statistic, text: text, at: look)
        }
    }

    /// A latency shift's look: its intervals compared a pool at a time (`LatencyBatch`). A look whose histogram
    /// cannot be counted (a restart, counters that went back) closes the pool first, and so does a deadline, so
    /// that the verdict read there counts every request by then.
    private mutating func observeLatency(_ i: Int, _ look: AnalysisLook, _ interval: HistogramInterval, restarted: Set<String>) {
        guard var evidence = metrics[i].evidence else { return }
        var pools = interval.counts.map { latency in
            metrics[i].batch.add(baseline: latency.baseline, canary: latency.canary, pooled: interval.pooled, instances: interval.instances,
                                 unreadable: interval.unreadable, from: last.elapsed, to: look.elapsed)
        } ?? metrics[i].batch.flush()
        if reachesDeadline(look) { pools += metrics[i].batch.flush() }
        for pool in pools {
            evidence.add(baseline: pool.baseline, canary: pool.canary, pooled: pool.pooled, instances: pool.instances, unreadable: pool.unreadable)
        }
        evidence.markRestarted(restarted)
        metrics[i].evidence = evidence
        if evidence.tooCoarse, let compared = pools.last {
            note(Gap(latencyOnly: true, reason: LatencyLayoutCheck.coarseReason(bounds: compared.canary.bounds, allowedIncrease: metrics[i].spec.allowedIncrease),
                     histogram: metrics[i].spec.histogram ?? ""))
        }
        guard metrics[i].decision == nil else { return }
        if evidence.failStatistic >= boundary, evidence.carrier(boundary: boundary) == nil {
            decide(i, .fail, statistic: evidence.failStatistic, text: nil, at: look)
        } else if evidence.passStatistic >= boundary {
            decide(i, .pass, statistic: evidence.passStatistic, text: nil, at: look)
        }
    }

    private mutating func decide(_ i: Int, _ verdict: VerdictKind, statistic: Double, text: String?, at look: AnalysisLook) {
        let seen = view(look, for: metrics[i].spec)
        let values = Self.values(metrics[i].spec, seen)
        metrics[i].decision = Decision(verdict: verdict, statistic: statistic, baselineValue: values.baseline,
                                       canaryValue: values.canary, baseline: seen.baseline, canary: seen.canary,
                                       elapsed: look.elapsed, text: text, restarts: restarts)
    }

    /// This look is the first at or past the analysis's deadline, or past its extension's: a verdict is read there.
    func reachesDeadline(_ look: AnalysisLook) -> Bool {
        [spec.maxDuration, spec.maxDuration + spec.maxExtension].contains { deadline in
            (lookCount == 0 || last.elapsed < deadline.timeInterval) && deadline.timeInterval <= look.elapsed
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
        metrics.filter { $0.spec.kind == .latency }.map { $0.spec.histogram ?? "" }.uniqued()
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
}
