import Foundation
import RailyardCore
import RailyardSimulation
import Synchronization

/// The judges the bench compares, in the order of its rows.
enum BenchJudge: String, CaseIterable, Sendable {
    case sequential, kayenta, kayentaInterval = "kayenta-interval", threshold, oracle
}

/// How one judge ended one simulated analysis: its verdict (nil: none by the horizon), when, after how
/// many requests (both groups).
struct JudgeOutcome: Sendable {
    var verdict: VerdictKind?
    var requests: Double
    var seconds: Double
}

/// What the runs of one scenario at one rate came to, per judge.
struct JudgeTally: Sendable {
    var runs = 0
    var fails = 0
    var passes = 0
    /// Requests to the correct verdict (a fail when the scenario is harmful, else a pass), the horizon's
    /// requests when it never came.
    var requestsToVerdict = 0.0
    /// Seconds to the correct verdict in each run, infinity when it never came (for the plan's comparison).
    var secondsToVerdict: [Double] = []

    mutating func add(_ outcome: JudgeOutcome, harmful: Bool, horizonRequests: Double) {
        runs += 1
        if outcome.verdict == .fail { fails += 1 }
        if outcome.verdict == .pass { passes += 1 }
        let correct = outcome.verdict == (harmful ? .fail : .pass)
        requestsToVerdict += correct ? outcome.requests : horizonRequests
        secondsToVerdict.append(correct ? outcome.seconds : .infinity)
    }

    mutating func merge(_ other: JudgeTally) {
        runs += other.runs
        fails += other.fails
        passes += other.passes
        requestsToVerdict += other.requestsToVerdict
        secondsToVerdict += other.secondsToVerdict
    }
}

enum JudgeSimulation {
    static func requests(_ look: AnalysisLook) -> Double { look.baseline.requests + look.canary.requests }

    /// One simulated analysis of `scenario` at `rate`, judged by every judge (or by the sequential judge
    /// alone), and both groups' requests by the horizon (what a run without the correct verdict counts).
    static func run(_ scenario: JudgeScenario, rate: Double, _ settings: JudgeSettings, seed: UInt64,
                    sequentialOnly: Bool = false) -> (outcomes: [BenchJudge: JudgeOutcome], horizonRequests: Double) {
        let harmful = scenario.harmful(settings)
        let startsLate = scenario.startsAfter > 0
        var simulator = CanaryStreamSimulator(model: scenario.model(settings, rate: rate, regressed: !startsLate), seed: seed,
                                              instancesPerGroup: settings.instances)
        var noise = Xoshiro256StarStar(seed: seed ^ 0x5EED_0F_4A7E)
        var outcomes: [BenchJudge: JudgeOutcome] = [:]
        func decide(_ judge: BenchJudge, _ verdict: VerdictKind, _ look: AnalysisLook) {
            if outcomes[judge] == nil { outcomes[judge] = JudgeOutcome(verdict: verdict, requests: requests(look), seconds: look.elapsed) }
        }

        let sequentialSpec = JudgeScenario.spec(.sequential, settings)
        var tracker = SequentialJudge(spec: sequentialSpec, mixing: settings.mixing).tracker()
        var lateWatch: LateWatchState?
        let truth = scenario.model(settings, rate: rate)
        let null = scenario.boundary(settings, rate: rate)
        var alternative = truth
        var reference = scenario
        if !harmful && truth.cells(canary: true) == null.cells(canary: true) {
            // At the boundary the truth is the null: test it against a canary as far beyond the tolerance.
            if scenario.family == .error { reference.errorRatio = 1 + 2 * settings.errorTolerance } else { reference.latencyShift = 2 * settings.latencyTolerance }
            alternative = reference.model(settings, rate: rate)
        }
        let alternativeIsWorse = harmful || alternative != truth
        var oracle = JudgeOracle(baseline: truth, null: null, alternative: alternative, alpha: settings.alpha)
        var oracleStarted = !startsLate

        let looksPerWindow = max(1, Int((settings.window / settings.look).rounded()))
        let windowsPerInterval = max(1, Int((settings.interval / settings.window).rounded()))
        let steps = Int((settings.horizon / settings.look).rounded(.down))
        var windowLooks: [AnalysisLook] = []
        let kayenta = KayentaClassifier()
        let metrics = [
            KayentaClassifier.Metric(name: "error-rate", critical: true, allowedIncrease: 1 + settings.errorTolerance),
            KayentaClassifier.Metric(name: "latency", critical: false, allowedIncrease: 1 + settings.latencyTolerance),
        ]
        var look = simulator.look
        for step in 1...max(1, steps) {
            if startsLate && !oracleStarted && simulator.look.elapsed >= scenario.startsAfter {
                simulator.changeCanary(to: truth)
                // The oracle knows when the regression starts: it counts the requests from then on.
                oracle.start(canary: simulator.canaryCellCounts, baseline: simulator.baselineCellCounts)
                oracleStarted = true
            }
            look = simulator.step(seconds: settings.look)
            if outcomes[.sequential] == nil {
                tracker.observe(look)
                if let decided = tracker.decided {
                    decide(.sequential, decided, look)
                    // As the product does: a pass ends the analysis, and the canary stays watched until promotion (the horizon here).
                    if decided == .pass {
                        lateWatch = LateWatchState.start(for: sequentialSpec, baseline: look.baseline, canary: look.canary, at: Date(timeIntervalSince1970: look.elapsed))
                    }
                }
            } else if var watching = lateWatch {
                watching.look(baseline: look.baseline, canary: look.canary, at: Date(timeIntervalSince1970: look.elapsed))
                lateWatch = watching
                if watching.alarmed {
                    outcomes[.sequential] = JudgeOutcome(verdict: .fail, requests: requests(look), seconds: look.elapsed)
                    lateWatch = nil
                }
            }
            // Alone, the simulation still runs to the horizon: a run without the correct verdict counts its requests.
            if sequentialOnly { continue }
            if oracleStarted && outcomes[.oracle] == nil {
                let side = oracle.observe(canary: simulator.canaryCellCounts, baseline: simulator.baselineCellCounts)
                if side != 0 { decide(.oracle, (side > 0) == alternativeIsWorse ? .fail : .pass, look) }
            }
            guard step % looksPerWindow == 0 else { continue }
            windowLooks.append(look)
            // Spinnaker's canary stage: a judgement every interval on the windows so far; below the marginal score it stops.
            if windowLooks.count % windowsPerInterval == 0 && outcomes[.kayentaInterval] == nil {
                let score = kayentaScore(kayenta, metrics, windowLooks, &noise)
                let last = step + looksPerWindow > steps
                if score < kayenta.marginalScore { decide(.kayentaInterval, .fail, look) } else if last { decide(.kayentaInterval, score >= kayenta.passScore ? .pass : .fail, look) }
            }
        }
        if sequentialOnly {
            return ([.sequential: outcomes[.sequential] ?? JudgeOutcome(verdict: nil, requests: requests(look), seconds: look.elapsed)], requests(look))
        }
        let kayentaFinal = kayentaScore(kayenta, metrics, windowLooks, &noise)
        decide(.kayenta, kayentaFinal >= kayenta.passScore ? .pass : .fail, look)
        if outcomes[.kayentaInterval] == nil { decide(.kayentaInterval, kayentaFinal >= kayenta.passScore ? .pass : .fail, look) }

        // Flagger: failures only accumulate, so the first failing window is found by bisection.
        let threshold = ThresholdJudge(spec: JudgeScenario.spec(.threshold, settings))
        func failsBy(_ h: Int) -> Bool { threshold.judge(Array(windowLooks.prefix(h)), final: false).verdict == .fail }
        if !windowLooks.isEmpty && failsBy(windowLooks.count) {
            var low = 1, high = windowLooks.count
            while low < high {
                let mid = (low + high) / 2
                if failsBy(mid) { high = mid } else { low = mid + 1 }
            }
            decide(.threshold, .fail, windowLooks[low - 1])
        } else {
            decide(.threshold, .pass, look)
        }
        for judge in BenchJudge.allCases where outcomes[judge] == nil {
            outcomes[judge] = JudgeOutcome(verdict: nil, requests: requests(look), seconds: look.elapsed)
        }
        return (outcomes, requests(look))
    }

    /// Kayenta's score of the analysis so far: per-window error rate and mean latency of each group.
    static func kayentaScore(_ kayenta: KayentaClassifier, _ metrics: [KayentaClassifier.Metric], _ windows: [AnalysisLook],
                             _ noise: inout Xoshiro256StarStar) -> Double {
        var errors: (control: [Double], experiment: [Double]) = ([], [])
        var latency: (control: [Double], experiment: [Double]) = ([], [])
        var previous = AnalysisLook(elapsed: 0, baseline: .zero, canary: .zero)
        for window in windows {
            func values(_ now: GroupCounters, _ before: GroupCounters) -> (Double, Double) {
                let served = now.requests - before.requests
                let rate = served > 0 ? (now.errors - before.errors) / served : .nan
                let b = HistogramMath.perBucket(now.latencyBuckets), a = HistogramMath.perBucket(before.latencyBuckets)
                let counts = a.counts.isEmpty ? b.counts : zip(b.counts, a.counts).map { $0 - $1 }
                return (rate, HistogramMath.mean(bounds: b.bounds, counts: counts))
            }
            let c = values(window.baseline, previous.baseline), e = values(window.canary, previous.canary)
            errors.control.append(c.0); errors.experiment.append(e.0)
            latency.control.append(c.1); latency.experiment.append(e.1)
            previous = window
        }
        let labels = [
            kayenta.classify(metrics[0], control: errors.control, experiment: errors.experiment, random: &noise),
            kayenta.classify(metrics[1], control: latency.control, experiment: latency.experiment, random: &noise),
        ]
        return kayenta.score(metrics, labels)
    }

    /// All runs of one scenario at one rate, spread over the cores.
    static func tally(_ scenario: JudgeScenario, index: Int, rate: Double, _ settings: JudgeSettings, sequentialOnly: Bool = false) -> [BenchJudge: JudgeTally] {
        let harmful = scenario.harmful(settings)
        let runs = harmful ? settings.regressionRuns : settings.nullRuns
        let chunks = max(1, min(runs, ProcessInfo.processInfo.activeProcessorCount * 4))
        let total = Mutex([BenchJudge: JudgeTally]())
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var partial: [BenchJudge: JudgeTally] = [:]
            var run = chunk
            while run < runs {
                let seed = settings.seed ^ (UInt64(index) << 40) ^ (UInt64(rate * 1000) << 20) ^ UInt64(run)
                let (outcomes, horizon) = JudgeSimulation.run(scenario, rate: rate, settings, seed: seed, sequentialOnly: sequentialOnly)
                for (judge, outcome) in outcomes { partial[judge, default: JudgeTally()].add(outcome, harmful: harmful, horizonRequests: horizon) }
                run += chunks
            }
            total.withLock { all in for (judge, tally) in partial { all[judge, default: JudgeTally()].merge(tally) } }
        }
        return total.withLock { $0 }
    }
}
