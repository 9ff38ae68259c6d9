import Foundation

/// After an analysis passed, until its wave promotes: the canary's error rate still watched against its
/// baseline (`LateRegressionWatch`), and its latency tail when the analysis judges one (`LateTailWatch`), with
/// what the next look counts from. Stored with the analysis at every look, before anything is done about it,
/// so a restarted server resumes the watch as it was.
public struct LateWatchState: Codable, Sendable, Equatable {
    public var watch: LateRegressionWatch
    /// The tail's watch, when the analysis has a latency metric with a quantile, and the whole latency's, when
    /// it has a shift with a tolerance; the watches share α equally.
    public var tail: LateTailWatch?
    public var shift: LateShiftWatch?
    /// What the error rate's watch counted since its evidence began to rise (nil in a state stored before it was kept).
    public var recent: LateWatchWindow?
    /// Each group's counters when the analysis passed: what "since the pass" counts from.
    public var baselineAtPass: GroupCounters
    public var canaryAtPass: GroupCounters
    /// Each group's counters at the last look, as read: the next interval counts from them.
    public var baseline: GroupCounters
    public var canary: GroupCounters
    public var lastLookAt: Date
    /// Why the watch stopped (the wave promoted, its looks were spent, a late regression); nil while it watches.
    public var ended: String?
    /// The last alarm held because one canary instance alone carried it (`heldReason` then), and that instance.
    /// Kept when the evidence falls again: the wave's promote waits for a person (`RolloutEvent.promoteHeld`).
    public var held: String?
    public var heldBy: String?

    public init(watch: LateRegressionWatch, baseline: GroupCounters, canary: GroupCounters, at: Date, tail: LateTailWatch? = nil,
                shift: LateShiftWatch? = nil) {
        self.watch = watch
        self.tail = tail
        self.shift = shift
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
        return LateRegressionWatch(allowedIncrease: metric.allowedIncrease, acceptableRate: metric.acceptableRate, alpha: spec.alpha, maxLooks: looks(spec))
    }

    static func looks(_ spec: AnalysisSpec) -> Int { Int((spec.watchAfterPass.timeInterval / max(spec.interval.timeInterval, 0.001)).rounded(.up)) }

    /// The watch that starts when `spec`'s analysis passes with these counters (as read): the error rate's, the
    /// tail's when the spec judges one and the baseline places its quantile, and the whole latency's when the
    /// spec judges a shift with a tolerance and the histograms can carry it; α is split equally between those
    /// that start. nil when the spec watches nothing after a pass.
    public static func start(for spec: AnalysisSpec, baseline: GroupCounters, canary: GroupCounters, at: Date) -> LateWatchState? {
        guard watch(for: spec) != nil else { return nil }
        let n = looks(spec)
        let watches = 1 + (LateTailWatch.start(for: spec, baseline: baseline, alpha: spec.alpha, maxLooks: n) == nil ? 0 : 1)
            + (LateShiftWatch.start(for: spec, baseline: baseline, canary: canary, alpha: spec.alpha, maxLooks: n) == nil ? 0 : 1)
        var shared = spec
        shared.alpha = spec.alpha / Double(watches)
        guard let errors = watch(for: shared) else { return nil }
        return LateWatchState(watch: errors, baseline: baseline, canary: canary, at: at,
                              tail: LateTailWatch.start(for: spec, baseline: baseline, alpha: shared.alpha, maxLooks: n),
                              shift: LateShiftWatch.start(for: spec, baseline: baseline, canary: canary, alpha: shared.alpha, maxLooks: n))
    }

    /// Any watch alarmed: a late regression, shown.
    public var alarmed: Bool { watch.alarmed || tail?.watch.alarmed == true || shift?.alarmed == true }

    /// Every watch spent its looks without an alarm.
    public var spent: Bool { watch.ended && (tail?.watch.ended ?? true) && (shift?.ended ?? true) }

    /// What is watched, in words: "its error rate, its latency-p99 tail and its latency".
    public var watchedText: String {
        let parts = ["its error rate"] + [tail.map { "its \($0.metric) tail" }, shift.map { "its \($0.metric)" }].compactMap { $0 }
        return parts.count == 1 ? parts[0] : parts.dropLast().joined(separator: ", ") + " and " + parts.last!
    }

    /// Adds the counters read at `at` (absolute, as the instances report them). Where the source reads
    /// instances apart, a restarted instance counts what it served since and the restart as a failed request,
    /// as in the analysis (`IntervalCounts.increase`); otherwise an interval where a counter went back is
    /// not counted, and the next one starts from the new values.
    public mutating func look(baseline now: GroupCounters, canary nowCanary: GroupCounters, at: Date) {
        tail?.look(baseline: (baseline, now), canary: (canary, nowCanary))
        shift?.look(baseline: (baseline, now), canary: (canary, nowCanary), from: lastLookAt.timeIntervalSince1970, to: at.timeIntervalSince1970)
        var counted: (m: Double, x: Double, b: Double, y: Double)?
        if let c = IntervalCounts.increase(canary, nowCanary)?.errorCounts(), let b = IntervalCounts.increase(baseline, now)?.errorCounts() {
            counted = (c.requests, c.errors, b.requests, b.errors)
        } else {
            let m = nowCanary.requests - canary.requests, x = nowCanary.errors - canary.errors
            let b = now.requests - baseline.requests, y = now.errors - baseline.errors
            if m >= 0, x >= 0, b >= 0, y >= 0 { counted = (m, x, b, y) }
        }
        if let (m, x, b, y) = counted, !watch.alarmed, watch.looks < watch.maxLooks {
            watch.add(canaryRequests: m, canaryErrors: x, baselineRequests: b, baselineErrors: y)
            var window = recent ?? LateWatchWindow()
            window.add(canaryRequests: m, canaryFailed: x, baselineRequests: b, baselineFailed: y, evidence: watch.statistic)
            recent = window
        } else if counted == nil {
            watch.skip()
        }
        baseline = now
        canary = nowCanary
        lastLookAt = at
        if let reason = heldReason { (held, heldBy) = (reason, shift?.carrier) }
    }

    /// The shift watch's alarm held because one canary instance alone carries it, in words; nil when none is.
    public var heldReason: String? {
        guard let shift, let carrier = shift.carrier else { return nil }
        return shift.reason(baselineAtPass: baselineAtPass, baseline: baseline, canaryAtPass: canaryAtPass, canary: canary)
            + "; carried by canary instance \(carrier) alone: a host, not the version, so no rollback (look at that host)"
    }

    /// Said when the watch ends: an alarm held for one instance is not forgotten with it.
    public var heldNote: String { heldBy.map { "; an alarm was held: canary instance \($0) alone carried it" } ?? "" }

    /// The alarm in words and numbers: what failed (or was slow) since the pass in each group, and the evidence.
    public var alarmReason: String {
        if !watch.alarmed, let tail, tail.watch.alarmed {
            return tail.alarmReason(baseline: (baselineAtPass, baseline), canary: (canaryAtPass, canary))
        }
        if !watch.alarmed, let shift, shift.alarmed {
            return shift.reason(baselineAtPass: baselineAtPass, baseline: baseline, canaryAtPass: canaryAtPass, canary: canary)
        }
        let m = canary.requests - canaryAtPass.requests, x = canary.errors - canaryAtPass.errors
        let b = baseline.requests - baselineAtPass.requests, y = baseline.errors - baselineAtPass.errors
        func rate(_ errors: Double, _ requests: Double) -> String { requests > 0 ? JudgeText.percent(errors / requests) : "n/a" }
        var text = "late regression after the pass: canary error rate \(rate(x, m)) of \(JudgeText.count(m)) requests since the pass vs "
            + "\(rate(y, b)) of \(JudgeText.count(b)) on baseline" + (recent.map { "; " + $0.text("failed") } ?? "") + "; the watch's evidence for a ratio of \(JudgeText.fixed(watch.alternativeRatio, 2))× "
            + "over the tolerated \(JudgeText.fixed(watch.maxRatio, 2))× reached \(JudgeText.fixed(watch.ratioEvidence, 1))"
        if watch.acceptableRate > 0 {
            text += ", and for a rate of \(JudgeText.percent(watch.alternativeRate)) over the acceptable \(JudgeText.percent(watch.acceptableRate)) "
                + "\(JudgeText.fixed(watch.rateEvidence, 1))"
        }
        return text + " (log(1 + R), against log(1 + \(watch.maxLooks) looks / α \(JudgeText.alpha(watch.alpha))) = \(JudgeText.fixed(watch.threshold, 1)))"
    }
}
