import Foundation
import RailyardCore
import RailyardSimulation

struct JudgeRow: Sendable {
    var judge: BenchJudge
    var rate: Double
    var scenario: String
    var harmful: Bool
    var detectionRate: Double
    var falsePositiveRate: Double
    var meanRequests: Double
    var runs: Int
}

/// The bench's rows, as JSON (the interface scripts read) or as a table with the goals.
enum JudgeTable {
    struct Key: Hashable, Sendable {
        var rate: Double
        var scenario: String
    }

    static func rows(_ tallies: [Key: [BenchJudge: JudgeTally]], scenarios: [JudgeScenario], _ settings: JudgeSettings) -> [JudgeRow] {
        var rows: [JudgeRow] = []
        func ratio(_ a: Int, _ b: Int) -> Double { b > 0 ? Double(a) / Double(b) : .nan }
        for rate in settings.rates {
            for scenario in scenarios {
                guard let byJudge = tallies[Key(rate: rate, scenario: scenario.name)] else { continue }
                let harmful = scenario.harmful(settings)
                for judge in BenchJudge.allCases {
                    guard let t = byJudge[judge] else { continue }
                    // A regression's row carries its family's A/A rate (n/a when that scenario was not run).
                    let fpr = harmful ? tallies[Key(rate: rate, scenario: scenario.null)]?[judge].map { ratio($0.fails, $0.runs) } ?? .nan
                        : ratio(t.fails, t.runs)
                    rows.append(JudgeRow(judge: judge, rate: rate, scenario: scenario.name, harmful: harmful, detectionRate: ratio(t.fails, t.runs),
                                         falsePositiveRate: fpr, meanRequests: t.runs > 0 ? t.requestsToVerdict / Double(t.runs) : .nan, runs: t.runs))
                }
            }
        }
        return rows
    }

    static func number(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "null" }

    static func json(_ rows: [JudgeRow]) -> String {
        let items = rows.map { r in
            "  {\"judge\": \"\(r.judge.rawValue)\", \"rate_per_s\": \(number(r.rate)), \"scenario\": \"\(r.scenario)\", " +
                "\"detection_rate\": \(number(r.detectionRate)), \"mean_requests_to_verdict\": \(number(r.meanRequests)), " +
                "\"false_positive_rate\": \(number(r.falsePositiveRate))}"
        }
        return "[\n" + items.joined(separator: ",\n") + "\n]"
    }

    static func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        s.count >= n ? s : (right ? String(repeating: " ", count: n - s.count) + s : s + String(repeating: " ", count: n - s.count))
    }

    static func percent(_ x: Double) -> String { x.isFinite ? String(format: "%.1f%%", x * 100) : "n/a" }

    static func text(_ rows: [JudgeRow], plans: [JudgePlanComparison], matched: [JudgeMatchedComparison]? = nil, _ settings: JudgeSettings,
                     seconds: Double) -> String {
        func requests(_ x: Double) -> String { x.isFinite ? BenchText.count(x) : "—" }
        var lines: [String] = []
        lines.append("Canary judges on simulated analyses — horizon \(BenchText.fixed(settings.horizon / 60, 0)) min, looks every "
                     + "\(BenchText.fixed(settings.look, 0)) s, \(BenchText.fixed(settings.window, 0)) s steps, α = \(settings.alpha), tolerated: errors "
                     + "+\(BenchText.fixed(settings.errorTolerance * 100, 0))%, latency +\(BenchText.fixed(settings.latencyTolerance * 100, 0))%; "
                     + "\(settings.nullRuns) runs a scenario within the tolerance, \(settings.regressionRuns) a regression (\(BenchText.fixed(seconds, 0)) s)")
        if settings.latencyMedian != JudgeSettings.standardLatencyMedian || settings.latencySigma != JudgeSettings.standardLatencySigma
            || settings.latencySlowShare > 0 {
            lines.append("Latency: median \(BenchText.fixed(settings.latencyMedian * 1000, 0)) ms, σ \(settings.latencySigma)"
                         + (settings.latencySlowShare > 0 ? ", \(BenchText.fixed(settings.latencySlowShare * 100, 0))% of requests \(settings.latencySlowFactor)× slower" : ""))
        }
        lines.append(settings.instances > 0
            ? "Each group is \(settings.instances) instances read apart, as the product's sources read them: a sequential fail must show without each canary instance too"
            : "Each group is read as one sum (--instances 0): the sequential judge cannot tell instances apart")
        if settings.mixing != .product {
            func shifts(_ m: SequentialMixing) -> String { "\(m.latencyShifts.lowerBound)…\(m.latencyShifts.upperBound) σ × \(m.latencyShiftCount)" }
            let m = settings.mixing, product = SequentialMixing.product
            lines.append("The sequential judge's priors are not the product's: ratio spread \(m.ratioSpread) (\(product.ratioSpread)), latency shifts "
                         + "\(shifts(m)) (\(shifts(product))), latency pool \(m.latencyPool) requests (\(product.latencyPool))")
        }
        var previous: (Double, String)?
        for r in rows {
            if previous?.0 != r.rate {
                lines.append("")
                lines.append("\(BenchText.fixed(r.rate, r.rate < 1 ? 2 : 0)) req/s to each group")
                lines.append(pad("scenario", 22) + pad("judge", 18) + pad("detection", 10, right: true) + pad("false pos.", 11, right: true)
                             + pad("requests to verdict", 21, right: true))
            } else if previous?.1 != r.scenario {
                lines.append("")
            }
            previous = (r.rate, r.scenario)
            lines.append(pad(r.scenario + (r.harmful ? "" : " (ok)"), 22) + pad(r.judge.rawValue, 18) + pad(percent(r.detectionRate), 10, right: true)
                         + pad(percent(r.falsePositiveRate), 11, right: true) + pad(requests(r.meanRequests), 21, right: true))
        }
        lines.append("")
        lines.append("Goals")
        let se = (settings.alpha * (1 - settings.alpha) / Double(max(1, settings.nullRuns))).squareRoot()
        let over = rows.filter { !$0.harmful && $0.judge != .oracle && $0.falsePositiveRate > settings.alpha }
        lines.append("  false positives ≤ α (\(percent(settings.alpha)); 2 s.e. = \(percent(2 * se)) at \(settings.nullRuns) runs): "
                     + (over.isEmpty ? "ok in every row" : "\(over.count) rows above:"))
        for r in over {
            let verdict = r.falsePositiveRate <= settings.alpha + 2 * se ? "within 2 s.e." : "MISSED"
            lines.append("    \(pad(r.judge.rawValue, 17)) \(pad(r.scenario, 17)) at \(BenchText.fixed(r.rate, 2)) req/s: \(percent(r.falsePositiveRate)) \(verdict)")
        }
        if let top = settings.rates.max() {
            lines.append("  sequential within 1.3× of the oracle's requests at \(BenchText.fixed(top, 2)) req/s:")
            for s in rows where s.rate == top && s.judge == .sequential && s.harmful {
                guard let o = rows.first(where: { $0.rate == top && $0.scenario == s.scenario && $0.judge == .oracle }) else { continue }
                let ratio = s.meanRequests / o.meanRequests
                lines.append("    \(pad(s.scenario, 17)) ×\(BenchText.fixed(ratio, 2)) " + (ratio <= 1.3 ? "ok" : "MISSED"))
            }
        }
        lines.append("  sequential: fewer requests to a correct verdict than kayenta and kayenta-interval, false positives no higher:")
        var misses: [String] = []
        var checked = 0, tied = 0, boughtWithFalsePositives = 0
        let scenarios = Dictionary(uniqueKeysWithValues: JudgeScenario.all(settings).map { ($0.name, $0) })
        for s in rows where s.judge == .sequential {
            for other in [BenchJudge.kayenta, .kayentaInterval] {
                guard let k = rows.first(where: { $0.rate == s.rate && $0.scenario == s.scenario && $0.judge == other }) else { continue }
                checked += 1
                let fpOK = !(s.falsePositiveRate > k.falsePositiveRate)
                // Neither ever reached the correct verdict: both count every run at the horizon.
                if s.meanRequests == k.meanRequests && fpOK { tied += 1; continue }
                let fewer = s.meanRequests < k.meanRequests
                if !fewer || !fpOK {
                    // What the other judge's speed costs: how often it fails a canary exactly at the tolerance of this family.
                    let boundary = rows.first { $0.rate == s.rate && $0.judge == other && $0.scenario == scenarios[s.scenario]?.atTolerance }
                    let costlier = k.falsePositiveRate > s.falsePositiveRate || (boundary?.falsePositiveRate ?? 0) > settings.alpha
                    if costlier && fpOK { boughtWithFalsePositives += 1 }
                    let cost = boundary.map { ", at the tolerance \(percent($0.falsePositiveRate))" } ?? ""
                    misses.append("    \(pad(s.scenario, 17)) at \(BenchText.fixed(s.rate, 2)) req/s vs \(other.rawValue): requests \(requests(s.meanRequests)) vs "
                                  + "\(requests(k.meanRequests)), false pos. \(percent(s.falsePositiveRate)) vs \(percent(k.falsePositiveRate))\(cost) MISSED")
                }
            }
        }
        let tiedText = tied > 0 ? " (\(tied) tied: neither reached a correct verdict in any run)" : ""
        lines.append(misses.isEmpty ? "    ok in all \(checked) comparisons\(tiedText)" : "    \(checked - misses.count - tied) of \(checked) comparisons ok\(tiedText); missed:")
        lines += misses
        if boughtWithFalsePositives > 0 {
            lines.append("    (\(boughtWithFalsePositives) of the \(misses.count) against a judge that fails more good canaries, or fails more than α at the tolerance)")
        }
        if let matched {
            let won = matched.filter(\.won).count
            lines.append("    the same at false positives no higher (--matched: the sequential judge at the largest α whose false positives, "
                         + "A/A and at the tolerance, are no higher than the other judge's): \(won) of \(matched.count) ok")
            lines += matched.map { "      " + $0.line() }
        }
        if !plans.isEmpty {
            lines.append("  analysis plan within 20% of the measured duration (9 analyses of 10; sequential; error-1.0x, error-2x, and latency-10 for a version twice the tolerance slower):")
            for p in plans { lines.append("    " + p.line(horizon: settings.horizon)) }
        }
        return lines.joined(separator: "\n")
    }
}

/// What `analysis plan` predicts at a rate against what the bench measured: the time within which 9
/// good canaries in 10 earned their pass (error-1.0x) and 9 canaries in 10 failing twice as often were
/// failed (error-2x), by the sequential judge. The plan simulates both metrics, the latency from the
/// baseline's histogram as it would read it.
struct JudgePlanComparison: Sendable {
    var rate: Double
    var predictedPass: Double?
    var measuredPass: Double?
    var predictedCatch: Double?
    var measuredCatch: Double?
    /// A version twice the latency tolerance slower (the plan's), against latency-10 when that is what it is.
    var predictedSlower: Double?
    var measuredSlower: Double?
    /// Which of the three the bench ran (a run of some scenarios compares only those).
    var passCompared = false, catchCompared = false, slowerCompared = false

    static func compare(_ tallies: [JudgeTable.Key: [BenchJudge: JudgeTally]], _ settings: JudgeSettings) -> [JudgePlanComparison] {
        var out: [JudgePlanComparison] = []
        for rate in settings.rates {
            let pass = tallies[JudgeTable.Key(rate: rate, scenario: "error-1.0x")]?[.sequential]
            let caught = tallies[JudgeTable.Key(rate: rate, scenario: "error-2x")]?[.sequential]
            // The plan's slower version is twice the smallest latency tolerance: latency-10's canary at the bench's +5%.
            let slower = abs(2 * settings.latencyTolerance - 0.1) < 1e-9 ? tallies[JudgeTable.Key(rate: rate, scenario: "latency-10")]?[.sequential] : nil
            guard pass != nil || caught != nil || slower != nil else { continue }
            let prediction = AnalysisPlanner.predict(spec: JudgeScenario.spec(.sequential, settings), traffic: measured(settings, rate: rate),
                                                     groupShare: 1, runs: settings.planRuns, mixing: settings.mixing, instancesPerGroup: settings.instances)
            var comparison = JudgePlanComparison(rate: rate, predictedPass: prediction?.passWithin, measuredPass: pass.flatMap { AnalysisPlanner.quantile($0.secondsToVerdict) },
                                                 predictedCatch: prediction?.catchWithin, measuredCatch: caught.flatMap { AnalysisPlanner.quantile($0.secondsToVerdict) })
            comparison.passCompared = pass != nil
            comparison.catchCompared = caught != nil
            if let slower {
                comparison.slowerCompared = true
                comparison.predictedSlower = prediction?.slowerCaughtWithin
                comparison.measuredSlower = AnalysisPlanner.quantile(slower.secondsToVerdict)
            }
            out.append(comparison)
        }
        return out
    }

    /// What `analysis plan` would read of the bench's traffic: the router's rate and errors, and the stable
    /// version's latency histogram after a day of it (the shape without sampling noise).
    static func measured(_ settings: JudgeSettings, rate: Double) -> MeasuredTraffic {
        let model = JudgeScenario(name: "error-1.0x", family: .error).model(settings, rate: rate, regressed: false)
        var cumulative = 0.0
        let day = rate * 86_400
        let buckets = zip(model.bounds + [.infinity], model.bucketProbabilities(canary: false)).map { bound, share -> LatencyBucket in
            cumulative += share * day
            return LatencyBucket(le: bound, count: cumulative)
        }
        return MeasuredTraffic(requestsPerSecond: rate, errorRate: settings.baselineErrorRate, window: 86_400,
                               stableAfter: GroupCounters(requests: day, errors: day * settings.baselineErrorRate, latencyBuckets: buckets))
    }

    func line(horizon: Double) -> String {
        func show(_ predicted: Double?, _ measured: Double?) -> String {
            let p = predicted.map { "\(BenchText.fixed($0, 0)) s" } ?? "beyond the plan's horizon"
            let m = measured.map { "\(BenchText.fixed($0, 0)) s" } ?? "not within the bench's horizon"
            guard let predicted, let measured else {
                let agree = measured == nil && (predicted ?? .infinity) > horizon
                return "predicted \(p), measured \(m)" + (agree ? " (agree)" : " MISSED")
            }
            let ratio = predicted / measured
            return "predicted \(p), measured \(m) (×\(BenchText.fixed(ratio, 2)) \(abs(ratio - 1) <= 0.2 ? "ok" : "MISSED"))"
        }
        let parts = [passCompared ? "pass \(show(predictedPass, measuredPass))" : nil, catchCompared ? "2× caught \(show(predictedCatch, measuredCatch))" : nil,
                     slowerCompared ? "+10% latency caught \(show(predictedSlower, measuredSlower))" : nil]
        return "\(BenchText.fixed(rate, 2)) req/s: " + parts.compactMap { $0 }.joined(separator: "; ")
    }
}
