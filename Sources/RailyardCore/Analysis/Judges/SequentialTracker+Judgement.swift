import Foundation

/// The sequential judge's judgement in words and numbers: each metric's verdict with its reason, and how
/// they combine (a fail fails, every pass passes, anything else stays inconclusive).
extension SequentialTracker {
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
                        + (m.batch.waiting > 0 ? "; the last \(JudgeText.count(m.batch.waiting)) requests wait in a pool, compared together at "
                            + "\(JudgeText.count(m.batch.closeAt)) or a minute" : "")
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
