import Foundation

/// Whether a service's latency histogram, as today's traffic fills it, can carry an analysis's latency
/// metrics: the check `validate --traffic` and `deploy` make before a rollout, by the rules the sequential
/// judge applies at run time. A layout that fails it can never earn a latency pass, so it is a config error
/// to find before deploying, not a rollout that waits out its deadline.
///
/// - A whole-distribution shift with a tolerance (`allowed_increase` > 0) is read against the spread of
///   log-latency fitted on the bounds inside the central 98% of requests: fewer than two bounds there, and
///   the tolerance cannot be measured (`MetricEvidence.logSpread`).
/// - Any shift needs requests in two buckets at least: in one, every request looks the same.
/// - A tail (`quantile`) is read at the smallest finite bound above the quantile (`TailEvidence`): a quantile
///   in the +Inf bucket has none.
/// - A metric on the service's own histogram (`histogram:`) is checked against that histogram, the same way.
public enum LatencyLayoutCheck {
    public struct Problem: Sendable, Equatable {
        /// The metric's name in the analysis.
        public var metric: String
        public var reason: String
    }

    public enum Outcome: Sendable, Equatable {
        /// Every latency metric can be judged on this layout (or the analysis has none the rules apply to).
        case fine
        /// The histogram holds fewer requests than `minimumRequests`: too few to say where requests fall.
        case tooFewRequests(Double)
        case problems([Problem])
    }

    /// Requests the histogram must hold before its layout is judged: a few dozen can all land in one bucket by chance.
    public static let minimumRequests = 200.0

    /// - Parameters:
    ///   - histogram: the stable version's cumulative latency histogram, since its instances started.
    ///   - requests: the requests it served (a service may expose its histogram only once it has served one);
    ///     nil: the histogram's own count.
    public static func check(_ spec: AnalysisSpec, histogram: [LatencyBucket], requests: Double? = nil) -> Outcome {
        // A metric on the service's own histogram reads another layout than the HTTP latency's checked here.
        check(spec.judge == .sequential ? spec.metrics.filter { $0.kind == .latency && $0.histogram == nil } : [], histogram: histogram, requests: requests)
    }

    /// Every latency metric of `spec` against the histogram it reads in `counters`: the HTTP latency's, or the
    /// service's own (`histogram:`, read into `counters.histograms`). A metric's own histogram that is absent
    /// while the service serves traffic is a problem (a name the service does not expose).
    public static func check(_ spec: AnalysisSpec, counters: GroupCounters) -> Outcome {
        guard spec.judge == .sequential else { return .fine }
        var outcomes = [check(spec, histogram: counters.latencyBuckets, requests: counters.requests)]
        let named = spec.namedHistograms
        for name in named {
            let metrics = spec.metrics.filter { $0.kind == .latency && $0.histogram == name }
            guard let histogram = counters.histograms[name] else {
                outcomes.append(counters.requests < minimumRequests ? .tooFewRequests(counters.requests) : .problems(metrics.map {
                    Problem(metric: $0.name, reason: "the service exposes no \(name) histogram (no \(name)_bucket series) after \(JudgeText.count(counters.requests)) requests: "
                            + "this metric cannot be judged (is the name right?)")
                }))
                continue
            }
            outcomes.append(check(metrics, histogram: histogram, requests: nil))
        }
        let problems = outcomes.flatMap { outcome -> [Problem] in if case .problems(let found) = outcome { return found } else { return [] } }
        if !problems.isEmpty { return .problems(problems) }
        for outcome in outcomes { if case .tooFewRequests = outcome { return outcome } }
        return .fine
    }

    static func check(_ latency: [AnalysisMetricSpec], histogram: [LatencyBucket], requests: Double?) -> Outcome {
        guard !latency.isEmpty else { return .fine }
        let (bounds, counts) = HistogramMath.perBucket(histogram)
        let total = counts.reduce(0, +)
        guard bounds.contains(where: \.isFinite) else {
            // No request yet, no histogram yet: nothing to judge, not a missing histogram.
            if let requests, requests < minimumRequests { return .tooFewRequests(requests) }
            return .problems(latency.map { Problem(metric: $0.name, reason: "the service exposes no latency histogram (no finite bucket bound): latency cannot be judged") })
        }
        guard total >= minimumRequests else { return .tooFewRequests(total) }
        var problems: [Problem] = []
        var unjudged = 0
        for metric in latency {
            if let quantile = metric.quantile {
                // As the judge does: the quantile is placed once the baseline has served 10 / (1 − q) requests.
                guard total >= TailEvidence.minimumPool(quantile) else {
                    unjudged += 1
                    continue
                }
                if TailEvidence.readableBound(quantile: quantile, counts: counts, bounds: bounds) == nil {
                    problems.append(Problem(metric: metric.name, reason: TailEvidence.unreadableReason(quantile: quantile, bounds: bounds)))
                }
            } else if counts.filter({ $0 > 0 }).count < 2 {
                problems.append(Problem(metric: metric.name, reason: "every one of today's \(JudgeText.count(total)) requests falls in one latency bucket "
                                        + "(they answered \(centralRange(bounds: bounds, counts: counts))), so no shift can be seen: latency cannot pass "
                                        + "(finer buckets around the usual latency fix it)"))
            } else if metric.allowedIncrease > 0, MetricEvidence.logSpread(bounds: bounds, pooled: counts) == nil {
                problems.append(Problem(metric: metric.name, reason: coarseReason(bounds: bounds, allowedIncrease: metric.allowedIncrease)
                                        + "; 98% of today's \(JudgeText.count(total)) requests answered \(centralRange(bounds: bounds, counts: counts))"))
            }
        }
        if problems.isEmpty && unjudged > 0 { return .tooFewRequests(total) }
        return problems.isEmpty ? .fine : .problems(problems)
    }

    /// The whole-distribution shifts with a tolerance whose buckets leave a wide gap around it
    /// (`ToleratedShift.zone`): a warning, not an error. Such a metric can still pass and fail, but a canary
    /// within the gap waits out its analysis. One mode leaves none; two modes through coarse buckets can.
    public static func toleranceGaps(_ spec: AnalysisSpec, counters: GroupCounters) -> [Problem] {
        guard spec.judge == .sequential else { return [] }
        let shifts = spec.metrics.filter { $0.kind == .latency && $0.quantile == nil && $0.allowedIncrease > 0 }
        return shifts.compactMap { metric in
            let histogram = metric.histogram.map { counters.histograms[$0] ?? [] } ?? counters.latencyBuckets
            let (bounds, counts) = HistogramMath.perBucket(histogram)
            guard counts.reduce(0, +) >= minimumRequests, counts.filter({ $0 > 0 }).count > 1,
                  MetricEvidence.logSpread(bounds: bounds, pooled: counts) != nil,
                  let zone = ToleratedShift.zone(tolerance: metric.allowedIncrease, bounds: bounds, pooled: counts),
                  zone.failedAbove - zone.passedBelow > gapShare * metric.allowedIncrease else { return nil }
            return Problem(metric: metric.name, reason: gapReason(zone, tolerance: metric.allowedIncrease, bounds: bounds, counts: counts))
        }
    }

    /// A gap wider than this share of the tolerance is worth a warning.
    static let gapShare = 0.25

    static func gapReason(_ zone: (passedBelow: Double, failedAbove: Double), tolerance: Double, bounds: [Double], counts: [Double]) -> String {
        func percent(_ x: Double) -> String { "+" + JudgeText.fixed(x * 100, 1) + "%" }
        return "on today's histogram the buckets place the \(percent(tolerance)) tolerance only between \(percent(zone.passedBelow)) and "
            + "\(percent(zone.failedAbove)) (98% of \(JudgeText.count(counts.reduce(0, +))) requests answered \(centralRange(bounds: bounds, counts: counts)), "
            + "and the buckets hide where in them): a canary less than \(percent(zone.passedBelow)) slower can earn its pass, one more than "
            + "\(percent(zone.failedAbove)) slower is failed, one in between waits out the analysis; finer buckets where the requests are "
            + "narrow the gap, and a latency metric with `quantile` has none"
    }

    /// Why a shift with a tolerance cannot be read on these bounds: the judge's gap and the check's error say the same.
    static func coarseReason(bounds: [Double], allowedIncrease: Double) -> String {
        "the latency buckets (\(JudgeText.bounds(bounds))) are too coarse for the +\(JudgeText.fixed(allowedIncrease * 100, 0))% tolerance: "
            + "fewer than two bounds fall inside the central 98% of requests, so a shift cannot be measured against it; "
            + "latency cannot pass (finer buckets around the usual latency fix it)"
    }

    /// Where the central 98% of requests fall, by bucket: "within 1 ms", "in 5 ms to 25 ms".
    static func centralRange(bounds: [Double], counts: [Double]) -> String {
        let total = counts.reduce(0, +)
        var cumulative = 0.0, low: Int?, high: Int?
        for (i, count) in counts.enumerated() {
            cumulative += count
            if low == nil, cumulative / total > 0.01 { low = i }
            if high == nil, cumulative / total >= 0.99 { high = i }
        }
        let upper = high.map { bounds[$0] } ?? .infinity
        let lower = low.flatMap { $0 > 0 ? bounds[$0 - 1] : nil }
        let top = upper.isFinite ? JudgeText.latency(upper) : "beyond \(bounds.last(where: \.isFinite).map(JudgeText.latency) ?? "0")"
        guard let lower else { return "within \(top)" }
        return "in \(JudgeText.latency(lower)) to \(top)"
    }
}
