import Foundation
import RailyardCore
import RailyardSimulation
import Synchronization

/// One benchmark scenario: a baseline and a canary that is the same (A/A) or worse by a known effect.
struct JudgeScenario: Sendable {
    enum Family: String, Sendable { case error, latency }
    var name: String
    var family: Family
    /// Error-rate ratio (error family) or latency shift (latency family).
    var effect: Double
    var isNull: Bool { family == .error ? effect == 1 : effect == 0 }

    static let all: [JudgeScenario] = [
        JudgeScenario(name: "error-1.0x", family: .error, effect: 1),
        JudgeScenario(name: "error-1.5x", family: .error, effect: 1.5),
        JudgeScenario(name: "error-2x", family: .error, effect: 2),
        JudgeScenario(name: "error-4x", family: .error, effect: 4),
        JudgeScenario(name: "latency-0", family: .latency, effect: 0),
        JudgeScenario(name: "latency-10", family: .latency, effect: 0.1),
        JudgeScenario(name: "latency-20", family: .latency, effect: 0.2),
    ]

    func model(_ settings: JudgeSettings) -> CanaryTrafficModel {
        switch family {
        case .error:
            return CanaryTrafficModel(requestsPerSecond: settings.rate, baselineErrorRate: settings.baselineErrorRate, errorRatio: effect)
        case .latency:
            return CanaryTrafficModel(requestsPerSecond: settings.rate, baselineErrorRate: 0, latencyMedian: settings.latencyMedian,
                                      latencySigma: settings.latencySigma, latencyShift: effect, bounds: CanaryTrafficModel.demoBounds)
        }
    }

    /// The effects the oracle is built for: the true one, or for an A/A scenario every regression of its family.
    func oracleEffects() -> [Double] {
        guard isNull else { return [effect] }
        return Self.all.filter { $0.family == family && !$0.isNull }.map(\.effect)
    }

    /// The analysis spec every judge gets: the scenario's one metric, α, no allowance, Flagger-style ranges.
    func spec(_ judge: AnalysisSpec.JudgeKind, _ settings: JudgeSettings) -> AnalysisSpec {
        let metric = family == .error
            ? AnalysisMetricSpec(name: "error-rate", kind: .errorRate, critical: true, allowedIncrease: 0, max: settings.errorMax, failureLimit: 2)
            : AnalysisMetricSpec(name: "latency", kind: .latency, critical: true, allowedIncrease: 0, max: settings.latencyMax, failureLimit: 2)
        return AnalysisSpec(judge: judge, alpha: settings.alpha, minSamples: 100, maxDuration: .seconds(settings.horizon),
                            interval: .seconds(settings.look), metrics: [metric])
    }
}

struct JudgeSettings: Sendable {
    var nullRuns: Int
    var regressionRuns: Int
    var rate: Double
    var alpha: Double
    var horizon: Double
    var look: Double
    var window: Double
    var baselineErrorRate = 0.005
    var latencyMedian = 0.12
    var latencySigma = 0.5
    var errorMax = 0.01
    var latencyMax = 0.5
    var power = 0.9
    var seed: UInt64
}

/// What happened in the runs of one scenario, summed.
struct ScenarioTally: Sendable {
    var runs = 0
    var sequentialDetections = 0
    var sequentialRequests = 0.0
    /// Per oracle effect.
    var oracleDetections: [Int]
    var oracleRequests: [Double]
    /// Per Mann-Whitney horizon in windows (index = number of windows).
    var mannWhitneyDetections: [Int]
    var mannWhitneyRequests: [Double]
    var thresholdDetections = 0
    var thresholdRequests = 0.0

    init(oracles: Int, windows: Int) {
        oracleDetections = Array(repeating: 0, count: oracles)
        oracleRequests = Array(repeating: 0, count: oracles)
        mannWhitneyDetections = Array(repeating: 0, count: windows + 1)
        mannWhitneyRequests = Array(repeating: 0, count: windows + 1)
    }

    mutating func merge(_ other: ScenarioTally) {
        runs += other.runs
        sequentialDetections += other.sequentialDetections
        sequentialRequests += other.sequentialRequests
        for i in oracleDetections.indices {
            oracleDetections[i] += other.oracleDetections[i]
            oracleRequests[i] += other.oracleRequests[i]
        }
        for i in mannWhitneyDetections.indices {
            mannWhitneyDetections[i] += other.mannWhitneyDetections[i]
            mannWhitneyRequests[i] += other.mannWhitneyRequests[i]
        }
        thresholdDetections += other.thresholdDetections
        thresholdRequests += other.thresholdRequests
    }
}

enum JudgeSimulation {
    static func requests(_ look: AnalysisLook) -> Double { look.baseline.requests + look.canary.requests }

    /// Simulates one analysis of `scenario` and judges it with every judge, adding the outcome to `tally`.
    static func run(_ scenario: JudgeScenario, _ settings: JudgeSettings, seed: UInt64, into tally: inout ScenarioTally) {
        let model = scenario.model(settings)
        var simulator = CanaryStreamSimulator(model: model, seed: seed)
        let looksPerWindow = max(1, Int((settings.window / settings.look).rounded()))
        let windows = max(1, Int((settings.horizon / settings.window).rounded(.down)))
        var tracker = SequentialJudge(spec: scenario.spec(.sequential, settings)).tracker()
        var sequentialOpen = true
        let effects = scenario.oracleEffects()
        var oracles = effects.map { effect -> JudgeOracle in
            var alternative = scenario
            alternative.effect = effect
            return JudgeOracle(baseline: model, alternative: alternative.model(settings), byBucket: scenario.family == .latency)
        }
        var oracleOpen = Array(repeating: true, count: oracles.count)
        let boundary = log(1 / settings.alpha)
        var windowLooks: [AnalysisLook] = []
        windowLooks.reserveCapacity(windows)
        tally.runs += 1
        for step in 1...(windows * looksPerWindow) {
            let look = simulator.step(seconds: settings.look)
            if sequentialOpen {
                tracker.observe(look)
                if let decided = tracker.decided {
                    sequentialOpen = false
                    if decided == .fail {
                        tally.sequentialDetections += 1
                        tally.sequentialRequests += requests(look)
                    }
                }
            }
            for k in oracles.indices where oracleOpen[k] {
                oracles[k].observe(look)
                if oracles[k].statistic >= boundary {
                    oracleOpen[k] = false
                    tally.oracleDetections[k] += 1
                    tally.oracleRequests[k] += requests(look)
                }
            }
            if step % looksPerWindow == 0 { windowLooks.append(look) }
        }
        // Kayenta: one fixed-horizon judgement per candidate horizon of whole windows.
        let mannWhitney = MannWhitneyJudge(spec: scenario.spec(.mannWhitney, settings))
        for horizon in 2...max(2, windows) where horizon <= windows {
            if mannWhitney.judge(Array(windowLooks.prefix(horizon)), final: true).verdict == .fail {
                tally.mannWhitneyDetections[horizon] += 1
                tally.mannWhitneyRequests[horizon] += requests(windowLooks[horizon - 1])
            }
        }
        // Flagger: failures only accumulate, so the first failing window is found by bisection.
        let threshold = ThresholdJudge(spec: scenario.spec(.threshold, settings))
        func failsBy(_ h: Int) -> Bool { threshold.judge(Array(windowLooks.prefix(h)), final: false).verdict == .fail }
        if failsBy(windows) {
            var low = 1, high = windows
            while low < high {
                let mid = (low + high) / 2
                if failsBy(mid) { high = mid } else { low = mid + 1 }
            }
            tally.thresholdDetections += 1
            tally.thresholdRequests += requests(windowLooks[low - 1])
        }
    }

    /// All runs of one scenario, spread over the cores.
    static func tally(_ scenario: JudgeScenario, index: Int, _ settings: JudgeSettings, report: @Sendable (Int, Int) -> Void) -> ScenarioTally {
        let runs = scenario.isNull ? settings.nullRuns : settings.regressionRuns
        let windows = max(1, Int((settings.horizon / settings.window).rounded(.down)))
        let oracles = scenario.oracleEffects().count
        let chunks = max(1, min(runs, ProcessInfo.processInfo.activeProcessorCount * 8))
        let total = Mutex(ScenarioTally(oracles: oracles, windows: windows))
        let done = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var partial = ScenarioTally(oracles: oracles, windows: windows)
            var run = chunk
            while run < runs {
                let seed = settings.seed ^ (UInt64(index) << 40) ^ UInt64(run)
                JudgeSimulation.run(scenario, settings, seed: seed, into: &partial)
                run += chunks
            }
            total.withLock { $0.merge(partial) }
            let finished = done.withLock { value -> Int in value += 1; return value }
            report(finished, chunks)
        }
        return total.withLock { $0 }
    }
}
