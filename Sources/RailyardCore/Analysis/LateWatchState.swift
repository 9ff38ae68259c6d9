import Foundation

/// After an analysis passed, until its wave promotes: the canary's error rate still watched against its
/// baseline (`LateRegressionWatch`), with what the next look counts from. Stored with the analysis at
/// every look, before anything is done about it, so a restarted server resumes the watch as it was.
public struct LateWatchState: Codable, Sendable, Equatable {
    public var watch: LateRegressionWatch
    /// Each group's counters when the analysis passed: what "since the pass" counts from.
    public var baselineAtPass: GroupCounters
    public var canaryAtPass: GroupCounters
    /// Each group's counters at the last look, as read: the next interval counts from them.
    public var baseline: GroupCounters
    public var canary: GroupCounters
    public var lastLookAt: Date
    /// Why the watch stopped (the wave promoted, its looks were spent, a late regression); nil while it watches.
    public var ended: String?

    public init(watch: LateRegressionWatch, baseline: GroupCounters, canary: GroupCounters, at: Date) {
        self.watch = watch
        baselineAtPass = baseline
        canaryAtPass = canary
        self.baseline = baseline
        self.canary = canary
        lastLookAt = at
    }

    /// The watch for `spec`'s first error-rate metric (at its tolerances, at the analysis's α, one look every
    /// interval for `watchAfterPass`); nil when the spec watches nothing after a pass.
    public static func watch(for spec: AnalysisSpec) -> LateRegressionWatch? {
        guard spec.watchAfterPass > .zero, let metric = spec.metrics.first(where: { $0.kind == .errorRate }) else { return nil }
        let looks = Int((spec.watchAfterPass.timeInterval / max(spec.interval.timeInterval, 0.001)).rounded(.up))
        return LateRegressionWatch(allowedIncrease: metric.allowedIncrease, acceptableRate: metric.acceptableRate, alpha: spec.alpha, maxLooks: looks)
    }

    /// Adds the counters read at `at` (absolute, as the instances report them). Where the source reads
    /// instances apart, a restarted instance counts what it served since and the restart as a failed request,
    /// as in the analysis (`IntervalCounts.increase`); otherwise an interval where a counter went back is
    /// not counted, and the next one starts from the new values.
    public mutating func look(baseline now: GroupCounters, canary nowCanary: GroupCounters, at: Date) {
        if let c = IntervalCounts.increase(canary, nowCanary)?.errorCounts(), let b = IntervalCounts.increase(baseline, now)?.errorCounts() {
            watch.add(canaryRequests: c.requests, canaryErrors: c.errors, baselineRequests: b.requests, baselineErrors: b.errors)
        } else {
            let m = nowCanary.requests - canary.requests, x = nowCanary.errors - canary.errors
            let b = now.requests - baseline.requests, y = now.errors - baseline.errors
            if m >= 0, x >= 0, b >= 0, y >= 0 {
                watch.add(canaryRequests: m, canaryErrors: x, baselineRequests: b, baselineErrors: y)
            }
        }
        baseline = now
        canary = nowCanary
        lastLookAt = at
    }

    /// The alarm in words and numbers: what failed since the pass in each group, and the evidence.
    public var alarmReason: String {
        let m = canary.requests - canaryAtPass.requests, x = canary.errors - canaryAtPass.errors
        let b = baseline.requests - baselineAtPass.requests, y = baseline.errors - baselineAtPass.errors
        func rate(_ errors: Double, _ requests: Double) -> String { requests > 0 ? JudgeText.percent(errors / requests) : "n/a" }
        var text = "late regression after the pass: canary error rate \(rate(x, m)) of \(JudgeText.count(m)) requests since the pass vs "
            + "\(rate(y, b)) of \(JudgeText.count(b)) on baseline; the watch's evidence for a ratio of \(JudgeText.fixed(watch.alternativeRatio, 2))× "
            + "over the tolerated \(JudgeText.fixed(watch.maxRatio, 2))× reached \(JudgeText.fixed(watch.ratioEvidence, 1))"
        if watch.acceptableRate > 0 {
            text += ", and for a rate of \(JudgeText.percent(watch.alternativeRate)) over the acceptable \(JudgeText.percent(watch.acceptableRate)) "
                + "\(JudgeText.fixed(watch.rateEvidence, 1))"
        }
        return text + " (log(1 + R), against log(1 + \(watch.maxLooks) looks / α \(watch.alpha)) = \(JudgeText.fixed(watch.threshold, 1)))"
    }
}
