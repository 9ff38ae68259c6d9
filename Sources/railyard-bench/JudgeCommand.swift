import ArgumentParser
import Foundation
import RailyardCore

/// `railyard-bench judge`: how much traffic each judge needs to catch a regression, and how often it
/// fails a canary that is as good as its baseline, on simulated analyses (no processes, no network).
struct JudgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "False positives and requests-to-detection of the canary judges, on simulated analyses.",
        discussion: """
            Simulates analyses of a baseline and a canary each receiving --rate requests/s (Poisson), looked at
            every --look seconds for --horizon seconds: error-rate regressions of 1.0× (A/A), 1.5×, 2× and 4× on
            a 0.5% baseline, and latency shifts of 0%, +10% and +20% (log-normal, median 120 ms, σ 0.5, observed
            through the demo fleet's histogram buckets). Each simulated analysis is judged by:

              sequential    Railyard's default, at every look (one metric, α, no allowance)
              mann-whitney  Kayenta's, on --window-second windows, fixed horizon: for each regression the
                            shortest horizon (whole windows) whose detection rate reaches the sequential
                            judge's, capped at --power; its A/A row shows the worst false-positive rate over
                            those horizons
              threshold     Flagger's, on --window-second intervals: error rate ≤ 1%, latency p99 ≤ 0.5 s,
                            failure limit 2, over the whole horizon
              oracle-sprt   Wald's SPRT knowing the true effect (for an A/A row: the worst of the oracles of
                            that family's regressions)

            Requests are both groups' together, counted at the look (or window) where the judge failed.
            """
    )

    @Option(help: "text (the table with the goals) or json (the rows alone).") var output: BenchOutput = .text
    @Option(help: "A/A runs per null scenario (false-positive rates).") var runs: Int = 10_000
    @Option(help: "Runs per regression scenario.") var regressionRuns: Int = 2_000
    @Option(help: "Requests per second to each group (canary and baseline).") var rate: Double = 20
    @Option(help: "False-positive rate the judges are configured with.") var alpha: Double = 0.01
    @Option(help: "Length of each simulated analysis, seconds.") var horizon: Double = 3600
    @Option(help: "Seconds between looks of the sequential judge and the oracle.") var look: Double = 5
    @Option(help: "Window (interval) of the Mann-Whitney and threshold judges, seconds.") var window: Double = 60
    @Option(help: "Detection rate the Mann-Whitney horizon is sized for, at most.") var power: Double = 0.9
    @Option(help: "Seed of the simulations.") var seed: UInt64 = 20_260_610
    @Option(name: .customLong("scenario"), help: "Only these scenarios (repeatable), e.g. --scenario error-1.0x.") var scenarios: [String] = []

    func validate() throws {
        guard runs >= 1, regressionRuns >= 1 else { throw ValidationError("--runs and --regression-runs must be at least 1") }
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
        guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must be in (0, 1)") }
        guard look > 0, window >= look, horizon >= 2 * window else { throw ValidationError("need 0 < --look ≤ --window ≤ --horizon / 2") }
        guard power > 0, power <= 1 else { throw ValidationError("--power must be in (0, 1]") }
        let known = JudgeScenario.all.map(\.name)
        if let unknown = scenarios.first(where: { !known.contains($0) }) {
            throw ValidationError("unknown scenario \(unknown); one of \(known.joined(separator: ", "))")
        }
    }

    func run() throws {
        let settings = JudgeSettings(nullRuns: runs, regressionRuns: regressionRuns, rate: rate, alpha: alpha, horizon: horizon,
                                     look: look, window: window, power: power, seed: seed)
        let started = Date()
        var tallies: [String: ScenarioTally] = [:]
        for (index, scenario) in JudgeScenario.all.enumerated() where scenarios.isEmpty || scenarios.contains(scenario.name) {
            let count = scenario.isNull ? runs : regressionRuns
            Progress.say("judge: \(scenario.name), \(count) runs…")
            let t0 = Date()
            let tally = JudgeSimulation.tally(scenario, index: index, settings) { done, chunks in
                if done % max(1, chunks / 4) == 0 && done < chunks { Progress.say("  \(done * 100 / chunks)%") }
            }
            tallies[scenario.name] = tally
            Progress.say(String(format: "  done in %.1f s", Date().timeIntervalSince(t0)))
        }
        let rows = JudgeTable.rows(tallies, settings)
        switch output {
        case .json: print(JudgeTable.json(rows))
        case .text: print(JudgeTable.text(rows, settings, seconds: Date().timeIntervalSince(started)))
        }
    }
}

struct JudgeRow: Sendable {
    var judge: String
    var scenario: String
    var falsePositiveRate: Double
    var detectionRate: Double
    var meanRequests: Double
    var runs: Int
    var note: String = ""
}

enum JudgeTable {
    static func rows(_ tallies: [String: ScenarioTally], _ settings: JudgeSettings) -> [JudgeRow] {
        var rows: [JudgeRow] = []
        func ratio(_ a: Int, _ b: Int) -> Double { b > 0 ? Double(a) / Double(b) : .nan }
        func mean(_ sum: Double, _ n: Int) -> Double { n > 0 ? sum / Double(n) : .nan }
        let windows = max(1, Int((settings.horizon / settings.window).rounded(.down)))
        for family in [JudgeScenario.Family.error, .latency] {
            let scenarios = JudgeScenario.all.filter { $0.family == family }
            guard let null = scenarios.first(where: \.isNull) else { continue }
            // Without its A/A runs (--scenario), a family's false-positive rates are unknown (n/a).
            let aa = tallies[null.name] ?? ScenarioTally(oracles: null.oracleEffects().count, windows: windows)
            let regressions = scenarios.filter { !$0.isNull }
            // The Mann-Whitney horizon of each regression: shortest with detection ≥ min(power, sequential's).
            var horizons: [String: Int] = [:]
            for scenario in regressions {
                guard let t = tallies[scenario.name] else { continue }
                let target = min(settings.power, ratio(t.sequentialDetections, t.runs))
                horizons[scenario.name] = (2...max(2, windows)).first { ratio(t.mannWhitneyDetections[$0], t.runs) >= target } ?? windows
            }
            let oracleFP = aa.oracleDetections.map { ratio($0, aa.runs) }
            let worstOracle = oracleFP.indices.max { oracleFP[$0] < oracleFP[$1] } ?? 0
            let mwHorizons = Array(Set(horizons.values)).sorted()
            let mwFP = mwHorizons.map { ratio(aa.mannWhitneyDetections[$0], aa.runs) }
            let worstMW = mwFP.indices.max { mwFP[$0] < mwFP[$1] }
            for scenario in scenarios {
                guard let t = tallies[scenario.name] else { continue }
                if scenario.isNull {
                    rows.append(JudgeRow(judge: "sequential", scenario: scenario.name, falsePositiveRate: ratio(t.sequentialDetections, t.runs),
                                         detectionRate: ratio(t.sequentialDetections, t.runs), meanRequests: mean(t.sequentialRequests, t.sequentialDetections), runs: t.runs))
                    let h = worstMW.map { mwHorizons[$0] } ?? windows
                    rows.append(JudgeRow(judge: "mann-whitney", scenario: scenario.name, falsePositiveRate: ratio(t.mannWhitneyDetections[h], t.runs),
                                         detectionRate: ratio(t.mannWhitneyDetections[h], t.runs), meanRequests: mean(t.mannWhitneyRequests[h], t.mannWhitneyDetections[h]),
                                         runs: t.runs, note: mwHorizons.isEmpty ? "horizon \(h) windows" : "worst of horizons " + mwHorizons.map { "\($0)" }.joined(separator: ", ") + " windows"))
                    rows.append(JudgeRow(judge: "threshold", scenario: scenario.name, falsePositiveRate: ratio(t.thresholdDetections, t.runs),
                                         detectionRate: ratio(t.thresholdDetections, t.runs), meanRequests: mean(t.thresholdRequests, t.thresholdDetections), runs: t.runs))
                    let effect = scenario.oracleEffects().isEmpty ? "" : label(family, scenario.oracleEffects()[worstOracle])
                    rows.append(JudgeRow(judge: "oracle-sprt", scenario: scenario.name, falsePositiveRate: oracleFP.isEmpty ? .nan : oracleFP[worstOracle],
                                         detectionRate: oracleFP.isEmpty ? .nan : oracleFP[worstOracle],
                                         meanRequests: t.oracleDetections.isEmpty ? .nan : mean(t.oracleRequests[worstOracle], t.oracleDetections[worstOracle]),
                                         runs: t.runs, note: "worst of the oracles (\(effect))"))
                    continue
                }
                let h = horizons[scenario.name] ?? windows
                let oracleIndex = null.oracleEffects().firstIndex(of: scenario.effect) ?? 0
                rows.append(JudgeRow(judge: "sequential", scenario: scenario.name, falsePositiveRate: ratio(aa.sequentialDetections, aa.runs),
                                     detectionRate: ratio(t.sequentialDetections, t.runs), meanRequests: mean(t.sequentialRequests, t.sequentialDetections), runs: t.runs))
                rows.append(JudgeRow(judge: "mann-whitney", scenario: scenario.name, falsePositiveRate: ratio(aa.mannWhitneyDetections[h], aa.runs),
                                     detectionRate: ratio(t.mannWhitneyDetections[h], t.runs), meanRequests: mean(t.mannWhitneyRequests[h], t.mannWhitneyDetections[h]),
                                     runs: t.runs, note: "horizon \(h) windows (\(format(Double(h) * settings.window / 60, 0)) min)"))
                rows.append(JudgeRow(judge: "threshold", scenario: scenario.name, falsePositiveRate: ratio(aa.thresholdDetections, aa.runs),
                                     detectionRate: ratio(t.thresholdDetections, t.runs), meanRequests: mean(t.thresholdRequests, t.thresholdDetections), runs: t.runs))
                rows.append(JudgeRow(judge: "oracle-sprt", scenario: scenario.name,
                                     falsePositiveRate: aa.oracleDetections.indices.contains(oracleIndex) ? ratio(aa.oracleDetections[oracleIndex], aa.runs) : .nan,
                                     detectionRate: ratio(t.oracleDetections[0], t.runs), meanRequests: mean(t.oracleRequests[0], t.oracleDetections[0]), runs: t.runs))
            }
        }
        return rows
    }

    static func label(_ family: JudgeScenario.Family, _ effect: Double) -> String {
        family == .error ? format(effect, 1) + "×" : "+" + format(effect * 100, 0) + "%"
    }

    static func format(_ x: Double, _ digits: Int) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "n/a" }

    static func number(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "null" }

    static func json(_ rows: [JudgeRow]) -> String {
        let items = rows.map { r in
            "  {\"judge\": \"\(r.judge)\", \"scenario\": \"\(r.scenario)\", \"false_positive_rate\": \(number(r.falsePositiveRate)), " +
                "\"detection_rate\": \(number(r.detectionRate)), \"mean_requests_to_detection\": \(number(r.meanRequests))}"
        }
        return "[\n" + items.joined(separator: ",\n") + "\n]"
    }

    static func text(_ rows: [JudgeRow], _ settings: JudgeSettings, seconds: Double) -> String {
        func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
            s.count >= n ? s : (right ? String(repeating: " ", count: n - s.count) + s : s + String(repeating: " ", count: n - s.count))
        }
        func percent(_ x: Double) -> String { x.isFinite ? String(format: "%.2f%%", x * 100) : "n/a" }
        func requests(_ x: Double) -> String { x.isFinite ? JudgeTextBridge.count(x) : "—" }
        var lines: [String] = []
        lines.append("Canary judges on simulated analyses — \(JudgeTextBridge.count(Double(settings.rate))) req/s to each group, looks every " +
                     "\(format(settings.look, 0)) s, \(format(settings.window, 0)) s windows, horizon \(format(settings.horizon / 60, 0)) min, α = \(settings.alpha); " +
                     "\(settings.nullRuns) A/A and \(settings.regressionRuns) regression runs a scenario (\(format(seconds, 0)) s)")
        lines.append("")
        lines.append(pad("judge", 14) + pad("scenario", 12) + pad("false pos.", 11, right: true) + pad("detection", 11, right: true) +
                     pad("requests to detection", 23, right: true) + "  note")
        var previous = ""
        for r in rows {
            if r.scenario != previous && !previous.isEmpty { lines.append("") }
            previous = r.scenario
            lines.append(pad(r.judge, 14) + pad(r.scenario, 12) + pad(percent(r.falsePositiveRate), 11, right: true) +
                         pad(percent(r.detectionRate), 11, right: true) + pad(requests(r.meanRequests), 23, right: true) + "  " + r.note)
        }
        lines.append("")
        lines.append("Goals")
        let se = (settings.alpha * (1 - settings.alpha) / Double(max(1, settings.nullRuns))).squareRoot()
        for r in rows where JudgeScenario.all.first(where: { $0.name == r.scenario })?.isNull == true {
            let ok = r.falsePositiveRate <= settings.alpha
            lines.append("  false positives ≤ α: \(pad(r.judge, 13)) \(pad(r.scenario, 11)) \(percent(r.falsePositiveRate)) " +
                         (ok ? "ok" : "MISSED") + " (±\(percent(2 * se)) at 2 s.e. for \(settings.nullRuns) runs)")
        }
        for scenario in JudgeScenario.all where !scenario.isNull {
            let pick = { (judge: String) in rows.first { $0.judge == judge && $0.scenario == scenario.name } }
            guard let s = pick("sequential"), let o = pick("oracle-sprt"), let m = pick("mann-whitney") else { continue }
            let toOracle = s.meanRequests / o.meanRequests
            let vsMW = m.meanRequests / s.meanRequests
            lines.append("  \(pad(scenario.name, 11)) sequential/oracle ×\(format(toOracle, 2)) (goal ≤ 1.5: \(toOracle <= 1.5 ? "ok" : "MISSED")); " +
                         "mann-whitney/sequential ×\(format(vsMW, 1)) (goal ≥ 3: \(vsMW >= 3 ? "ok" : "MISSED"))")
        }
        return lines.joined(separator: "\n")
    }
}

/// Request counts with thousands separators, as the judges print them.
enum JudgeTextBridge {
    static func count(_ x: Double) -> String {
        let digits = String(Int(x.rounded()))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}
