import Foundation

/// The sequential judge's error-rate evidence: confidence sequences, and a verdict only where they say so.
///
/// A regression is harm on both counts: the canary-to-baseline error-rate ratio θ above the tolerated
/// θ_max = 1 + `allowed_increase`, *and* the canary's own error rate q above `acceptable_rate` (a rate
/// that is fine whatever the baseline; 0 switches that count off). Two sequences, each at α/2 (α when
/// there is no acceptable rate):
///
/// - **fail** when the ratio's interval is wholly above θ_max and the rate's wholly above the acceptable
///   rate. A canary that is not a regression has one of the two true values on the other side, so the
///   interval that holds it must have missed: probability ≤ α/2.
/// - **pass** when the ratio's interval is wholly at or below θ_max, or the rate's at or below the
///   acceptable rate. A regression has both true values above, so either pass path is a miss of its
///   sequence: probability ≤ α in all.
/// - otherwise undecided, with both intervals in numbers. The deadline changes nothing.
struct ErrorRateEvidence: Sendable {
    let maxRatio: Double
    let acceptableRate: Double
    /// The level each sequence is read at.
    let sequenceAlpha: Double
    private(set) var ratio = RateRatioSequence()
    private(set) var canaryRate = ErrorRateSequence()

    init(allowedIncrease: Double, acceptableRate: Double, alpha: Double) {
        maxRatio = 1 + max(0, allowedIncrease)
        self.acceptableRate = max(0, acceptableRate)
        sequenceAlpha = self.acceptableRate > 0 ? alpha / 2 : alpha
    }

    mutating func add(baseline: IntervalCounts, canary: IntervalCounts) {
        ratio.add(canaryRequests: canary.requests, canaryErrors: canary.errors, baselineRequests: baseline.requests, baselineErrors: baseline.errors)
        canaryRate.add(requests: canary.requests, errors: canary.errors)
    }

    /// log(1/α') that each sequence's e-values are compared with.
    var boundary: Double { log(1 / sequenceAlpha) }

    /// The weakest evidence against "no regression": the fail side's statistic, reaching `boundary` when
    /// (up to the grid's step) a fail is shown. For plots and the live view; the verdict reads the intervals.
    var failStatistic: Double {
        let againstRatio = ratio.intervals > 0 ? ratio.mixture.weakestEvidence(against: maxRatio, above: false) : 0
        guard acceptableRate > 0 else { return againstRatio }
        return min(againstRatio, canaryRate.mixture.weakestEvidence(against: acceptableRate, above: false))
    }

    struct Reading: Sendable {
        var verdict: VerdictKind?
        var ratio: (low: Double, high: Double)?
        var rate: (low: Double, high: Double)?
        /// What the intervals say, in numbers, after the metric's observed rates.
        var text: String
    }

    /// `undecided` opens the text when neither is shown ("no decision yet", or what the deadline says).
    func reading(undecided: String = "no decision yet") -> Reading {
        let ratioInterval = ratio.interval(alpha: sequenceAlpha)
        let rateInterval = acceptableRate > 0 ? canaryRate.interval(alpha: sequenceAlpha) : nil
        let confidence = JudgeText.confidence(sequenceAlpha)
        let ratioAbove = ratioInterval.map { $0.low > maxRatio } ?? false
        let rateAbove = acceptableRate > 0 ? rateInterval.map { $0.low > acceptableRate } ?? false : true
        if ratioAbove && rateAbove, let r = ratioInterval {
            var text = "regression shown: error-rate ratio in \(Self.ratioRange(r)), above the tolerated \(Self.tolerance(maxRatio))"
            if let q = rateInterval { text += ", and canary error rate in \(Self.rateRange(q)), above the acceptable \(JudgeText.percent(acceptableRate))" }
            return Reading(verdict: .fail, ratio: ratioInterval, rate: rateInterval, text: text + " (\(confidence) confidence sequences)")
        }
        if let r = ratioInterval, r.high <= maxRatio {
            return Reading(verdict: .pass, ratio: ratioInterval, rate: rateInterval,
                           text: "error rate at most \(Self.relative(r.high)) (ratio in \(Self.ratioRange(r)), \(confidence) confidence sequence), "
                               + "within the tolerated \(Self.tolerance(maxRatio))")
        }
        if let q = rateInterval, q.high <= acceptableRate {
            return Reading(verdict: .pass, ratio: ratioInterval, rate: rateInterval,
                           text: "canary error rate at most \(JudgeText.percent(q.high)) (in \(Self.rateRange(q)), \(confidence) confidence sequence), "
                               + "within the acceptable \(JudgeText.percent(acceptableRate))")
        }
        var parts = [ratioInterval.map { "error-rate ratio in \(Self.ratioRange($0)) against the tolerated \(Self.tolerance(maxRatio))" }
                     ?? "error-rate ratio not bounded yet (no errors in either group)"]
        if acceptableRate > 0 {
            parts.append(rateInterval.map { "canary error rate in \(Self.rateRange($0)) against the acceptable \(JudgeText.percent(acceptableRate))" }
                         ?? "no canary request yet")
        }
        return Reading(verdict: nil, ratio: ratioInterval, rate: rateInterval,
                       text: "\(undecided): " + parts.joined(separator: ", ") + " (\(confidence) confidence)")
    }

    static func ratioRange(_ r: (low: Double, high: Double)) -> String { "[\(JudgeText.fixed(r.low, 2)), \(JudgeText.fixed(r.high, 2))]" }
    static func rateRange(_ r: (low: Double, high: Double)) -> String { "[\(JudgeText.percent(r.low)), \(JudgeText.percent(r.high))]" }
    /// 1.5 → "+50% (1.5×)".
    static func tolerance(_ maxRatio: Double) -> String { "+\(JudgeText.fixed((maxRatio - 1) * 100, 0))% (\(JudgeText.fixed(maxRatio, 2))×)" }
    /// A ratio's upper bound as a change of the baseline's rate: 1.38 → "+38% of baseline", 0.8 → "0.80× baseline".
    static func relative(_ high: Double) -> String {
        high >= 1 ? "+\(JudgeText.fixed((high - 1) * 100, 0))% of baseline" : "\(JudgeText.fixed(high, 2))× baseline"
    }
}
