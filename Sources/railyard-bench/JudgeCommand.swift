import ArgumentParser
import Foundation
import RailyardCore
import RailyardSimulation

/// `railyard-bench judge`: how often each judge fails a good canary, how often it catches a bad one, and
/// after how many requests, on simulated analyses of the product's configuration (no processes, no network).
struct JudgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "False positives, detections and requests to a verdict of the canary judges, on simulated analyses.",
        discussion: """
            Simulates analyses of a baseline and a canary each receiving --rate requests/s (Poisson; 0.25, 1, 5
            and 20 by default), for --horizon seconds. Every request has an error rate (0.5% on the baseline)
            and a log-normal latency (median 120 ms, σ 0.5; --latency-median, --latency-sigma, and two modes with
            --latency-slow-share) read through the demo fleet's histogram buckets, so
            every judge watches both of the product's default metrics, at --error-tolerance and
            --latency-tolerance, α --alpha.

            Scenarios: error-1.0x, latency-0 (A/A); error-1.5x, -2x, -4x; latency-10, -20 (+10%, +20%);
            boundary-error, boundary-latency (the canary exactly at the tolerance: failing it is a false
            positive); late-start (errors ×2 from --late-start seconds); odd-instance (one canary instance of
            two 40% slower).

            Judges:
              sequential        Railyard's default, looking every --look seconds; after a pass its late-regression
                                watch goes on until the horizon (the promotion), and an alarm turns it into a fail
              kayenta           Kayenta's NetflixACAJudge as written (Mann-Whitney at 98%, Hodges-Lehmann
                                tolerance 0.25, IQR outlier removal, effect sizes at the tolerances), once at
                                the horizon on --window-second steps
              kayenta-interval  the same, as Spinnaker's canary stage uses it: a judgement every --interval
                                seconds on the steps so far, stopping below the marginal score
              threshold         Flagger's: error rate ≤ 1%, latency p99 ≤ 0.5 s per --window-second interval
              oracle            Wald's SPRT between the canary at the tolerance and the true canary

            Figures per judge, rate and scenario: detection_rate (analyses failed within the horizon),
            false_positive_rate (failed when within the tolerance; a regression's row carries its family's
            A/A rate), mean_requests_to_verdict (both groups' requests to the correct verdict — a fail for a
            regression, a pass otherwise — counting the horizon's requests when it never came).
            """
    )

    @Option(help: "text (the table with the goals) or json (the rows alone).") var output: BenchOutput = .text
    @Flag(help: "A smaller run (fewer runs a scenario) that finishes in a few minutes on 2 cores.") var quick = false
    @Option(help: "Runs per scenario within the tolerance (A/A and boundary: false-positive rates).") var runs: Int?
    @Option(help: "Runs per regression scenario.") var regressionRuns: Int?
    @Option(name: .customLong("rate"), help: "Requests per second to each group (repeatable).") var rates: [Double] = [0.25, 1, 5, 20]
    @Option(help: "False-positive rate the judges are configured with.") var alpha: Double = 0.01
    @Option(help: "Length of each simulated analysis (the configured max_duration), seconds.") var horizon: Double = 1800
    @Option(help: "Seconds between looks of the sequential judge and the oracle.") var look: Double = 5
    @Option(help: "Step of Kayenta's series and Flagger's interval, seconds.") var window: Double = 60
    @Option(help: "Seconds between the judgements of kayenta-interval.") var interval: Double = 300
    @Option(help: "Error-rate increase tolerated (0.25: up to +25%).") var errorTolerance: Double = 0.25
    @Option(help: "Latency increase tolerated (0.05: up to +5%).") var latencyTolerance: Double = 0.05
    @Option(help: "Seconds after which the late-start regression begins.") var lateStart: Double = 600
    @Option(help: "Simulated analyses behind each `analysis plan` prediction.") var planRuns: Int = 200
    @Option(help: "Seed of the simulations.") var seed: UInt64 = 20_261_201
    @Option(name: .customLong("scenario"), help: "Only these scenarios (repeatable), e.g. --scenario error-2x.") var scenarios: [String] = []
    @Option(help: ArgumentHelp("Spread of the normal prior on the log error-rate ratio of the sequential judge's mixtures (the product's: 1).",
                               discussion: "To measure what another prior would cost; every prior keeps the judge's guarantees."))
    var ratioPriorSpread: Double = SequentialMixing.product.ratioSpread
    @Option(help: ArgumentHelp("The latency shifts beyond the tolerance, in σ of log-latency, the sequential judge's fail-side mixture weighs equally: LOW:HIGH:COUNT, log-spaced (the product's: 0.05:1.5:20).",
                               valueName: "low:high:count"))
    var latencyShifts: String?
    @Option(help: ArgumentHelp("Requests of both groups the sequential judge's latency shift pools before comparing them (the product's: 32; 0: every look's interval alone).",
                               discussion: "A pool also closes after 60 s. To measure what pooling gains at low traffic, in the same run."))
    var latencyPool: Double = SequentialMixing.product.latencyPool
    @Option(help: "Median latency of the baseline, seconds.") var latencyMedian = JudgeSettings.standardLatencyMedian
    @Option(help: "Standard deviation of log-latency (of each mode).") var latencySigma = JudgeSettings.standardLatencySigma
    @Option(help: ArgumentHelp("Share of requests --latency-slow-factor times slower: latency with two modes, as cache misses make (0: one log-normal).",
                               discussion: "With --latency-tolerance 0.1, boundary-latency measures how often a canary exactly +10% slower is failed on such a shape."))
    var latencySlowShare: Double = 0
    @Option(help: "How much slower the slow mode is.") var latencySlowFactor: Double = 10
    @Option(help: ArgumentHelp("Instances per group, 0 or 2: with 2, each group is two instances sharing its traffic, read apart as the product's sources read them (0: each group read as one sum).",
                               discussion: "With 2, the sequential judge asks a fail to show without each canary instance too; odd-instance's slow instance is the canary's first."))
    var instances: Int = 0
    @Flag(help: ArgumentHelp("Run again each comparison the sequential judge lost against a Kayenta mode that fails more good canaries, with the sequential judge at the largest α whose measured false positives are no higher.",
                             discussion: "Each α tried costs the family's A/A and boundary runs again: minutes more on a full run."))
    var matched = false

    var nullRuns: Int { runs ?? (quick ? 150 : 2_000) }
    var harmRuns: Int { regressionRuns ?? (quick ? 60 : 500) }

    func validate() throws {
        guard nullRuns >= 1, harmRuns >= 1 else { throw ValidationError("--runs and --regression-runs must be at least 1") }
        guard !rates.isEmpty, rates.allSatisfy({ $0 > 0 }) else { throw ValidationError("--rate must be positive") }
        guard alpha > 0, alpha < 0.5 else { throw ValidationError("--alpha must be in (0, 0.5)") }
        guard look > 0, window >= look, interval >= window, horizon >= interval else {
            throw ValidationError("need 0 < --look ≤ --window ≤ --interval ≤ --horizon")
        }
        guard errorTolerance >= 0, latencyTolerance >= 0 else { throw ValidationError("tolerances must be at least 0") }
        guard lateStart > 0, lateStart < horizon else { throw ValidationError("--late-start must be within the horizon") }
        if let unknown = scenarios.first(where: { !JudgeScenario.names.contains($0) }) {
            throw ValidationError("unknown scenario \(unknown); one of \(JudgeScenario.names.joined(separator: ", "))")
        }
        guard ratioPriorSpread > 0, ratioPriorSpread.isFinite else { throw ValidationError("--ratio-prior-spread must be positive") }
        guard latencyPool >= 0, latencyPool.isFinite else { throw ValidationError("--latency-pool must be 0 or more requests") }
        guard latencyMedian > 0, latencySigma > 0 else { throw ValidationError("--latency-median and --latency-sigma must be positive") }
        // odd-instance's slow instance is one of two: with more, it would carry less than the half its scenario and the oracle assume.
        guard instances == 0 || instances == 2 else { throw ValidationError("--instances must be 0 (groups read as sums) or 2 (one canary instance of two is odd-instance's slow one)") }
        guard latencySlowShare >= 0, latencySlowShare < 1, latencySlowFactor >= 1 else {
            throw ValidationError("--latency-slow-share must be in [0, 1) and --latency-slow-factor at least 1")
        }
        if matched && output == .json {
            throw ValidationError("--matched adds its comparisons to the text table's goals; --output json prints the rows alone")
        }
        _ = try mixing()
    }

    /// The sequential judge's priors from --ratio-prior-spread and --latency-shifts.
    func mixing() throws -> SequentialMixing {
        var mixing = SequentialMixing.product
        mixing.ratioSpread = ratioPriorSpread
        mixing.latencyPool = latencyPool
        if let latencyShifts {
            let parts = latencyShifts.split(separator: ":").map { String($0) }
            guard parts.count == 3, let low = Double(parts[0]), let high = Double(parts[1]), let count = Int(parts[2]),
                  low > 0, high > low, count >= 2 else {
                throw ValidationError("--latency-shifts \(latencyShifts): expected LOW:HIGH:COUNT with 0 < LOW < HIGH and COUNT ≥ 2, e.g. 0.05:1.5:20")
            }
            mixing.latencyShifts = low...high
            mixing.latencyShiftCount = count
        }
        return mixing
    }

    func run() throws {
        var settings = JudgeSettings(rates: rates, nullRuns: nullRuns, regressionRuns: harmRuns, alpha: alpha, horizon: horizon, look: look,
                                     window: window, interval: interval, errorTolerance: errorTolerance, latencyTolerance: latencyTolerance,
                                     lateStart: lateStart, planRuns: planRuns, seed: seed, mixing: try mixing())
        settings.latencyMedian = latencyMedian
        settings.latencySigma = latencySigma
        settings.latencySlowShare = latencySlowShare
        settings.latencySlowFactor = latencySlowFactor
        settings.instances = instances
        let started = Date()
        let chosen = JudgeScenario.all(settings).enumerated().filter { scenarios.isEmpty || scenarios.contains($0.element.name) }
        if settings.mixing != .product {
            Progress.say("judge: the sequential judge's priors are not the product's: ratio spread \(ratioPriorSpread), latency shifts \(settings.mixing.latencyShifts) × \(settings.mixing.latencyShiftCount), latency pool \(latencyPool) requests")
        }
        Progress.say("judge: \(chosen.count) scenarios × \(rates.count) rates; \(nullRuns) runs a scenario within the tolerance, "
                     + "\(harmRuns) a regression" + (quick ? " (--quick)" : ""))
        var tallies: [JudgeTable.Key: [BenchJudge: JudgeTally]] = [:]
        var done = 0
        for rate in rates {
            for (index, scenario) in chosen {
                let t0 = Date()
                tallies[JudgeTable.Key(rate: rate, scenario: scenario.name)] = JudgeSimulation.tally(scenario, index: index, rate: rate, settings)
                done += 1
                Progress.say(String(format: "  [%d/%d] %@ at %g req/s: %.1f s", done, chosen.count * rates.count, scenario.name, rate,
                                    Date().timeIntervalSince(t0)))
            }
        }
        let rows = JudgeTable.rows(tallies, scenarios: chosen.map(\.element), settings)
        switch output {
        case .json: print(JudgeTable.json(rows))
        case .text:
            Progress.say("judge: analysis plan's predictions…")
            let plans = JudgePlanComparison.compare(tallies, settings)
            let comparisons = matched ? JudgeMatched.compare(rows, settings, say: Progress.say) : nil
            print(JudgeTable.text(rows, plans: plans, matched: comparisons, settings, seconds: Date().timeIntervalSince(started)))
        }
    }
}
