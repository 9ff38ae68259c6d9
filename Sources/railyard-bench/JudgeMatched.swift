import Foundation
import RailyardCore
import RailyardSimulation

/// A comparison the sequential judge lost on requests against a Kayenta mode that fails more good canaries,
/// run again at equal footing: the sequential judge at the largest α (of `JudgeMatched.alphas`) whose false
/// positives, measured on the same runs of the family's A/A and boundary scenarios, are no higher than that
/// judge's. "Fewer requests, false positives no higher" then compares like with like.
struct JudgeMatchedComparison: Sendable {
    var rate: Double
    var scenario: String
    var other: BenchJudge
    /// The other judge's false positives: A/A, at the tolerance.
    var otherFalsePositives: (aa: Double, boundary: Double)
    var otherRequests: Double
    /// nil when no α looser than the product's keeps the sequential judge's false positives no higher.
    var alpha: Double?
    var falsePositives: (aa: Double, boundary: Double)?
    var requests: Double?

    var won: Bool { (requests ?? .infinity) < otherRequests }

    func line() -> String {
        let head = "\(JudgeTable.pad(scenario, 17)) at \(BenchText.fixed(rate, 2)) req/s vs \(other.rawValue) (false pos. A/A "
            + "\(JudgeTable.percent(otherFalsePositives.aa)), at the tolerance \(JudgeTable.percent(otherFalsePositives.boundary))): "
        guard let alpha, let falsePositives, let requests else {
            return head + "no α above the product's keeps the sequential judge's false positives as low; the miss stands"
        }
        return head + "sequential at α = \(alpha) (false pos. \(JudgeTable.percent(falsePositives.aa)), \(JudgeTable.percent(falsePositives.boundary))) "
            + "needs \(BenchText.count(requests)) requests vs \(BenchText.count(otherRequests)) " + (won ? "ok" : "MISSED")
    }
}

enum JudgeMatched {
    /// The α tried, largest first: the first whose measured false positives are no higher is kept.
    static let alphas = [0.4, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02]

    /// Every comparison the sequential judge lost on requests against kayenta or kayenta-interval, where
    /// that judge's false positives (A/A or at the tolerance) exceed the product's α, run again at a
    /// matched α. `say` reports progress (each α tried costs two scenarios' null runs).
    static func compare(_ rows: [JudgeRow], _ settings: JudgeSettings, say: (String) -> Void) -> [JudgeMatchedComparison] {
        let scenarios = JudgeScenario.all(settings)
        let index = Dictionary(uniqueKeysWithValues: scenarios.enumerated().map { ($0.element.name, $0.offset) })
        let byName = Dictionary(uniqueKeysWithValues: scenarios.map { ($0.name, $0) })
        func row(_ rate: Double, _ scenario: String, _ judge: BenchJudge) -> JudgeRow? {
            rows.first { $0.rate == rate && $0.scenario == scenario && $0.judge == judge }
        }
        func alone(_ scenario: JudgeScenario, rate: Double, alpha: Double) -> JudgeTally {
            var at = settings
            at.alpha = alpha
            return JudgeSimulation.tally(scenario, index: index[scenario.name] ?? 0, rate: rate, at, sequentialOnly: true)[.sequential] ?? JudgeTally()
        }
        // The sequential judge's false positives at each α, per rate and the regression's family (A/A, boundary), measured once.
        var measured: [String: (aa: Double, boundary: Double)] = [:]
        func falsePositives(_ regression: JudgeScenario, rate: Double, alpha: Double) -> (aa: Double, boundary: Double) {
            let key = "\(regression.family.rawValue) \(rate) \(alpha)"
            if let known = measured[key] { return known }
            let t0 = Date()
            let a = alone(byName[regression.null]!, rate: rate, alpha: alpha), b = alone(byName[regression.atTolerance]!, rate: rate, alpha: alpha)
            let result = (Double(a.fails) / Double(max(1, a.runs)), Double(b.fails) / Double(max(1, b.runs)))
            say(String(format: "  matched: %@ at %g req/s, α %g: false positives %@ and %@ (%.1f s)", regression.family.rawValue, rate, alpha,
                       JudgeTable.percent(result.0), JudgeTable.percent(result.1), Date().timeIntervalSince(t0)))
            measured[key] = result
            return result
        }
        var out: [JudgeMatchedComparison] = []
        for s in rows where s.judge == .sequential && s.harmful {
            guard let scenario = byName[s.scenario] else { continue }
            for other in [BenchJudge.kayenta, .kayentaInterval] {
                guard let k = row(s.rate, s.scenario, other), s.meanRequests > k.meanRequests,
                      let aa = row(s.rate, scenario.null, other)?.falsePositiveRate, let boundary = row(s.rate, scenario.atTolerance, other)?.falsePositiveRate,
                      max(aa, boundary) > settings.alpha else { continue }
                var comparison = JudgeMatchedComparison(rate: s.rate, scenario: s.scenario, other: other, otherFalsePositives: (aa, boundary),
                                                        otherRequests: k.meanRequests)
                // The sequential judge's false positives at the tolerance have measured about 0.4 α (two metrics at α/2,
                // each's boundary rate under its α): an α beyond 3 times the other judge's is not tried.
                for alpha in alphas where alpha > settings.alpha && alpha <= 3 * max(aa, boundary) {
                    let fp = falsePositives(scenario, rate: s.rate, alpha: alpha)
                    guard fp.aa <= aa && fp.boundary <= boundary else { continue }
                    let t = alone(scenario, rate: s.rate, alpha: alpha)
                    comparison.alpha = alpha
                    comparison.falsePositives = fp
                    comparison.requests = t.requestsToVerdict / Double(max(1, t.runs))
                    break
                }
                out.append(comparison)
            }
        }
        return out
    }
}
