/// Flagger's judge: every interval (between consecutive looks), each metric of the canary must be within
/// its range `min`…`max` (Flagger's `thresholdRange`) — the error rate as a fraction, latency p99
/// (`histogram_quantile(0.99)` of the interval) in seconds. A metric fails once `failureLimit` intervals
/// were out of range (Flagger's `threshold`, counted over the whole analysis, not reset by good
/// intervals). It does not look at the baseline. It passes at the deadline if no metric failed; a metric
/// with neither `min` nor `max` is not checked.
/// Never fails before the canary has served `minSamples` requests.
public struct ThresholdJudge: CanaryJudge {
    public let spec: AnalysisSpec

    public init(spec: AnalysisSpec) { self.spec = spec }

    public func judge(_ looks: [AnalysisLook], final: Bool) -> Judgement {
        let intervals = IntervalCounts.of(looks)
        let look = looks.last ?? AnalysisLook(elapsed: 0, baseline: .zero, canary: .zero)
        let noData = looks.isEmpty || look.canary.requests <= 0
        let needed = Double(max(1, spec.minSamples))
        var verdicts: [MetricVerdict] = []
        for metric in spec.metrics {
            let name = metric.name
            let limit = max(1, metric.failureLimit)
            guard metric.min != nil || metric.max != nil else {
                verdicts.append(MetricVerdict(metric: name, verdict: final && !noData ? .pass : .inconclusive,
                                              reason: "\(name): no min or max set, not checked", baselineValue: .nan, canaryValue: .nan,
                                              statistic: 0, boundary: .infinity))
                continue
            }
            let low = metric.min ?? -.infinity, high = metric.max ?? .infinity
            var failures = 0
            var failedAt: (value: Double, requests: Double, elapsed: Double)?
            var lastValue = Double.nan
            var lastBaseline = Double.nan
            var highest = -Double.infinity, lowest = Double.infinity
            for interval in intervals {
                let value = Self.value(metric.kind, interval.canary)
                guard value.isFinite else { continue }
                lastValue = value
                lastBaseline = Self.value(metric.kind, interval.baseline)
                highest = Swift.max(highest, value)
                lowest = Swift.min(lowest, value)
                guard value > high || value < low else { continue }
                failures += 1
                let at = looks[interval.look]
                if failures >= limit && failedAt == nil && at.canary.requests >= needed {
                    failedAt = (value, at.canary.requests, at.elapsed)
                }
            }
            // Failures counted before the canary reached minSamples still count once it has.
            if failedAt == nil && failures >= limit && look.canary.requests >= needed {
                failedAt = (lastValue, look.canary.requests, look.elapsed)
            }
            let show = { (v: Double) in metric.kind == .errorRate ? JudgeText.percent(v) : JudgeText.latency(v) }
            let what = metric.kind == .errorRate ? "\(name)" : "\(name) p99"
            let bound = [metric.min.map { "min \(show($0))" }, metric.max.map { "max \(show($0))" }].compactMap { $0 }.joined(separator: ", ")
            let verdict: VerdictKind
            let reason: String
            if let f = failedAt {
                verdict = .fail
                reason = "\(what) out of range in \(failures) intervals (limit \(limit)), \(show(f.value)) \(f.value > high ? "> max \(show(high))" : "< min \(show(low))") after \(JudgeText.count(f.requests)) canary requests"
            } else if look.canary.requests < needed {
                verdict = final && noData ? .fail : .inconclusive
                reason = final && noData ? SequentialTracker.noDataReason(look) : "waiting for data: canary \(JudgeText.count(look.canary.requests)) requests of the \(JudgeText.grouped(Int(needed))) it needs"
            } else if final {
                verdict = .pass
                let worst = metric.min == nil ? "highest interval \(show(highest))"
                    : metric.max == nil ? "lowest interval \(show(lowest))" : "intervals from \(show(lowest)) to \(show(highest))"
                reason = "\(what) within range: \(worst) (\(bound)), \(failures) of \(limit) failures allowed"
            } else {
                verdict = .inconclusive
                reason = "\(what) \(show(lastValue)) in the last interval (\(bound)), \(failures) of \(limit) failures so far"
            }
            verdicts.append(MetricVerdict(metric: name, verdict: verdict, reason: reason, baselineValue: lastBaseline,
                                          canaryValue: lastValue, statistic: lastValue, boundary: metric.max ?? low))
        }
        return SequentialTracker.combine(verdicts, final: final, noData: noData, look: look)
    }

    /// The canary's value in one interval: error rate, or latency p99 from the interval's histogram.
    static func value(_ kind: AnalysisMetricSpec.Kind, _ counts: IntervalCounts) -> Double {
        switch kind {
        case .errorRate: return counts.errorRate
        case .latency: return HistogramMath.quantile(0.99, bounds: counts.bounds, counts: counts.buckets)
        }
    }
}
