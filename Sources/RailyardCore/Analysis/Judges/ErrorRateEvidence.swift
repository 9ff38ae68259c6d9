import Foundation

/// The sequential judge's error-rate evidence: confidence sequences, and a verdict only where they say so.
///
/// A regression is harm on both counts: the canary-to-baseline error-rate ratio θ above the tolerated
/// θ_max = 1 + `allowed_increase`, *and* the canary's own error rate q above `acceptable_rate` (a rate
/// that is fine whatever the baseline; 0 switches that count off). Each decision reads one-sided
/// sequences whose mixture weighs only the side it is looking for (`GridMixture.oneSidedBound`):
///
/// - **fail** when the ratio's lower bound is above θ_max and the rate's above the acceptable rate, each
///   at level α. A canary that is not a regression has one of its two true values at or below its limit,
///   so that sequence must have missed: probability ≤ α, whichever it is.
/// - **pass** when the ratio's upper bound is at or below θ_max, or the rate's at or below the acceptable
///   rate, each at α/2 (α without an acceptable rate). A regression has both true values above, so either
///   pass path is a miss of its sequence: probability ≤ α in all.
/// - otherwise undecided, with both two-sided intervals (at α/2) in numbers. The deadline changes nothing.
///
/// **One odd instance.** Where the canary's instances are read apart, the fail needs the regression in the
/// canary without any one of them too: for every instance, the ratio of the others' error rate is shown
/// above θ_max as well (`complements`), at `OddInstanceRule.othersAlpha`. One instance on a bad host carries a pooled regression alone; a
/// version's fault shows in all. Only more is asked of a fail, so its error stays ≤ α; such a canary
/// stays undecided, its odd instance named, for a person. An instance that restarted is no excuse: a
/// crash is the version's until shown otherwise, so the others need not show it.
struct ErrorRateEvidence: Sendable {
    /// How the texts name what is counted: errors, or the requests slower than a latency bound (`TailEvidence`).
    struct Wording: Sendable {
        /// "error rate"
        var rate: String
        /// "error-rate ratio"
        var ratio: String
        /// Why no ratio is bounded yet: "no errors in either group".
        var nothingCounted: String

        static let errors = Wording(rate: "error rate", ratio: "error-rate ratio", nothingCounted: "no errors in either group")
    }

    let wording: Wording
    let maxRatio: Double
    let acceptableRate: Double
    /// The level of each fail-side sequence, and of each pass-side one (and of the intervals shown while undecided).
    let failAlpha: Double
    let passAlpha: Double
    private(set) var ratio: RateRatioSequence
    private(set) var canaryRate = ErrorRateSequence()
    /// By canary instance: the ratio's sequence for the canary without that instance. One first seen later
    /// starts from the whole canary's, which it was not part of until then (the first interval, which no
    /// source splits by instance, stays in every one: a small lean toward the whole, never toward a fail
    /// the whole does not show).
    private(set) var complements: [String: RateRatioSequence] = [:]
    /// Each canary instance's own requests and errors so far, for the words.
    private(set) var perInstance: [String: (requests: Double, errors: Double)] = [:]
    /// Canary instances that restarted: never the odd one out.
    private(set) var restarted: Set<String> = []

    init(allowedIncrease: Double, acceptableRate: Double, alpha: Double, wording: Wording = .errors,
         ratioSpread: Double = SequentialMixing.product.ratioSpread) {
        self.wording = wording
        ratio = RateRatioSequence(priorScale: ratioSpread)
        maxRatio = 1 + max(0, allowedIncrease)
        self.acceptableRate = max(0, acceptableRate)
        failAlpha = alpha
        passAlpha = self.acceptableRate > 0 ? alpha / 2 : alpha
    }

    /// `instances`: the canary's counts over the interval by instance, when the source reads them apart.
    /// `unreadable`: canary instances read over the interval whose own counts could not be (their complements skip it).
    mutating func add(baseline: IntervalCounts, canary: IntervalCounts, instances: [String: IntervalCounts] = [:], restarted: Set<String> = [],
                      unreadable: Set<String> = []) {
        self.restarted.formUnion(restarted)
        if instances.count > 1 || !complements.isEmpty {
            for address in instances.keys where complements[address] == nil { complements[address] = ratio }
            for address in complements.keys where !unreadable.contains(address) {
                let own = instances[address]
                complements[address]!.add(canaryRequests: max(0, canary.requests - (own?.requests ?? 0)), canaryErrors: max(0, canary.errors - (own?.errors ?? 0)),
                                          baselineRequests: baseline.requests, baselineErrors: baseline.errors)
            }
        }
        for (address, own) in instances {
            perInstance[address, default: (0, 0)].requests += own.requests
            perInstance[address, default: (0, 0)].errors += own.errors
        }
        ratio.add(canaryRequests: canary.requests, canaryErrors: canary.errors, baselineRequests: baseline.requests, baselineErrors: baseline.errors)
        canaryRate.add(requests: canary.requests, errors: canary.errors)
    }

    /// log(1/α) that the fail side's e-values are compared with.
    var boundary: Double { log(1 / failAlpha) }

    /// The weakest evidence against "no regression": the fail side's statistic, reaching `boundary` when
    /// (up to the grid's step) a fail is shown. For plots and the live view; the verdict reads the bounds.
    var failStatistic: Double {
        let againstRatio = ratio.intervals > 0 ? ratio.mixture.weakestOneSidedEvidence(against: maxRatio, above: false) : 0
        guard acceptableRate > 0 else { return againstRatio }
        return min(againstRatio, canaryRate.requests > 0 ? canaryRate.mixture.weakestOneSidedEvidence(against: acceptableRate, above: false) : 0)
    }

    struct Reading: Sendable {
        var verdict: VerdictKind?
        /// The bounds the verdict rests on (one-sided, the open end at 0 or ∞), or the two-sided intervals while undecided.
        var ratio: (low: Double, high: Double)?
        var rate: (low: Double, high: Double)?
        /// What the bounds say, in numbers, after the metric's observed rates.
        var text: String
    }

    /// `undecided` opens the text when neither is shown ("no decision yet", or what the deadline says).
    func reading(undecided: String = "no decision yet") -> Reading {
        let ratioLow = ratio.lowerBound(alpha: failAlpha, beyond: maxRatio)
        let rateLow = acceptableRate > 0 ? canaryRate.lowerBound(alpha: failAlpha, beyond: acceptableRate) : nil
        let ratioAbove = ratioLow.map { $0 > maxRatio } ?? false
        let rateAbove = acceptableRate > 0 ? rateLow.map { $0 > acceptableRate } ?? false : true
        // The regression must not rest on one instance: without each, the others still show it (at OddInstanceRule's level).
        let othersAlpha = OddInstanceRule.othersAlpha(whole: failAlpha)
        let carrier = ratioAbove && rateAbove
            ? complements.sorted { $0.key < $1.key }.first {
                !restarted.contains($0.key) && !($0.value.lowerBound(alpha: othersAlpha, beyond: maxRatio).map { $0 > maxRatio } ?? false)
            }
            : nil
        if let carrier, let r = ratioLow {
            let (address, others) = (carrier.key, carrier.value)
            let own = perInstance[address] ?? (0, 0)
            let othersRange = others.interval(alpha: passAlpha).map(Self.ratioRange) ?? "not bounded yet"
            return Reading(verdict: nil, ratio: others.interval(alpha: passAlpha), rate: nil,
                           text: "\(undecided): the canary as a whole is shown worse (\(wording.ratio) ≥ \(JudgeText.fixed(r, 2))), but not without its instance "
                               + "\(address) (\(JudgeText.percent(own.requests > 0 ? own.errors / own.requests : .nan)) of \(JudgeText.count(own.requests))): "
                               + "the others' \(wording.ratio) is in \(othersRange) (\(JudgeText.confidence(passAlpha)) confidence), not shown above the tolerated "
                               + "\(Self.tolerance(maxRatio)) even at the \(JudgeText.confidence(othersAlpha)) a fail needs there; "
                               + "one instance carries it, a host rather than the version, for a person to judge")
        }
        if ratioAbove && rateAbove, let r = ratioLow {
            var text = "regression shown: \(wording.ratio) ≥ \(JudgeText.fixed(r, 2)), above the tolerated \(Self.tolerance(maxRatio))"
            if let q = rateLow { text += ", and canary \(wording.rate) ≥ \(JudgeText.percent(q)), above the acceptable \(JudgeText.percent(acceptableRate))" }
            let sequences = acceptableRate > 0 ? "sequences" : "sequence"
            return Reading(verdict: .fail, ratio: (r, .infinity), rate: rateLow.map { ($0, 1) },
                           text: text + " (\(JudgeText.confidence(failAlpha)) one-sided confidence \(sequences))")
        }
        let confidence = JudgeText.confidence(passAlpha)
        if let high = ratio.upperBound(alpha: passAlpha, beyond: maxRatio), high <= maxRatio {
            return Reading(verdict: .pass, ratio: (0, high), rate: nil,
                           text: "\(wording.rate) at most \(Self.relative(high, apartFrom: maxRatio)) (ratio ≤ \(JudgeText.fixed(high, apartFrom: maxRatio, 2)), "
                               + "\(confidence) one-sided confidence sequence), "
                               + "within the tolerated \(Self.tolerance(maxRatio))")
        }
        if acceptableRate > 0, let high = canaryRate.upperBound(alpha: passAlpha, beyond: acceptableRate), high <= acceptableRate {
            return Reading(verdict: .pass, ratio: nil, rate: (0, high),
                           text: "canary \(wording.rate) at most \(JudgeText.percent(high, apartFrom: acceptableRate)) (\(confidence) one-sided confidence sequence), "
                               + "within the acceptable \(JudgeText.percent(acceptableRate))")
        }
        let ratioInterval = ratio.interval(alpha: passAlpha)
        let rateInterval = acceptableRate > 0 ? canaryRate.interval(alpha: passAlpha) : nil
        var parts = [ratioInterval.map { "\(wording.ratio) in \(Self.ratioRange($0)) against the tolerated \(Self.tolerance(maxRatio))" }
                     ?? "\(wording.ratio) not bounded yet (\(wording.nothingCounted))"]
        if acceptableRate > 0 {
            parts.append(rateInterval.map { "canary \(wording.rate) in \(Self.rateRange($0)) against the acceptable \(JudgeText.percent(acceptableRate))" }
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
    static func relative(_ high: Double, apartFrom maxRatio: Double) -> String {
        high >= 1 ? "+\(JudgeText.fixed((high - 1) * 100, apartFrom: (maxRatio - 1) * 100, 0))% of baseline"
            : "\(JudgeText.fixed(high, 2))× baseline"
    }
}
