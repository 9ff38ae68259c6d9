import Foundation
import RailyardCore

/// How long an analysis needs at a measured traffic, predicted by running the product's own judge on
/// simulated analyses at that traffic: a good canary (the baseline's error rate) and one failing twice as
/// often. Error-rate metrics only: latency depends on a distribution no rate measures.
public enum AnalysisPlanner {
    public struct Prediction: Sendable, Equatable, Codable {
        /// Requests a second each group (canary, baseline) serves during the analysis.
        public var requestsPerSecondPerGroup: Double
        public var baselineErrorRate: Double
        /// Seconds within which 9 good canaries in 10 earn their pass; nil when longer than `horizon`.
        public var passWithin: Double?
        /// Seconds within which 9 canaries in 10 failing twice as often are failed; nil when longer than `horizon`.
        public var catchWithin: Double?
        /// How long each simulated analysis ran, at most.
        public var horizon: Double
        public var runs: Int
        /// Requests a second the stable group adds to the control (`stable_as_control`); nil when it is not counted.
        public var stableRequestsPerSecond: Double?

        public init(requestsPerSecondPerGroup: Double, baselineErrorRate: Double, passWithin: Double?, catchWithin: Double?, horizon: Double, runs: Int,
                    stableRequestsPerSecond: Double? = nil) {
            self.stableRequestsPerSecond = stableRequestsPerSecond
            self.requestsPerSecondPerGroup = requestsPerSecondPerGroup
            self.baselineErrorRate = baselineErrorRate
            self.passWithin = passWithin
            self.catchWithin = catchWithin
            self.horizon = horizon
            self.runs = runs
        }
    }

    /// The share of good (and of 2×) canaries a prediction is about.
    public static let probability = 0.9

    /// nil when the spec judges no error rate, or its judge is not the sequential one. `stableRequestsPerSecond`:
    /// the stable group's traffic, counted as control when the spec says `stable_as_control`.
    public static func predict(spec: AnalysisSpec, requestsPerSecondPerGroup rate: Double, baselineErrorRate: Double,
                               stableRequestsPerSecond: Double = 0, runs: Int = 200, seed: UInt64 = 0x91A7,
                               mixing: SequentialMixing = .product) -> Prediction? {
        let stableRate = spec.stableAsControl ? max(0, stableRequestsPerSecond) : 0
        let errorMetrics = spec.metrics.filter { $0.kind == .errorRate }
        guard spec.judge == .sequential, !errorMetrics.isEmpty else { return nil }
        var errorsOnly = spec
        errorsOnly.metrics = errorMetrics
        // α stays split over every metric the analysis judges, as the real one does.
        errorsOnly.alpha = spec.alpha * Double(errorMetrics.count) / Double(max(1, spec.metrics.count))
        let watched = (spec.maxDuration + spec.maxExtension).timeInterval
        let horizon = min(max(4 * watched, 1800), 86_400)
        // At most 250 looks within what the analysis watches and 250 beyond it: a confidence sequence holds
        // at any looks, so coarser ones only round the time up, and a plan takes seconds, not minutes.
        let fine = max(spec.interval.timeInterval, watched / 250), coarse = max(spec.interval.timeInterval, horizon / 250)
        func within(ratio: Double, want: VerdictKind, seedOffset: UInt64) -> Double? {
            var times: [Double] = []
            for run in 0..<runs {
                let model = CanaryTrafficModel(requestsPerSecond: rate, baselineErrorRate: baselineErrorRate, errorRatio: ratio)
                var simulator = CanaryStreamSimulator(model: model, seed: seed &+ seedOffset &+ UInt64(run), stableRequestsPerSecond: stableRate)
                var tracker = SequentialJudge(spec: errorsOnly, mixing: mixing).tracker()
                var decidedAt = Double.infinity
                while simulator.look.elapsed < horizon {
                    tracker.observe(simulator.step(seconds: simulator.look.elapsed < watched ? fine : coarse))
                    if let verdict = tracker.decided {
                        if verdict == want { decidedAt = simulator.look.elapsed }
                        break
                    }
                }
                times.append(decidedAt)
            }
            times.sort()
            let quantile = times[min(times.count - 1, Int((probability * Double(times.count)).rounded(.up)) - 1)]
            return quantile.isFinite ? quantile : nil
        }
        return Prediction(requestsPerSecondPerGroup: rate, baselineErrorRate: baselineErrorRate,
                          passWithin: within(ratio: 1, want: .pass, seedOffset: 0),
                          catchWithin: baselineErrorRate > 0 ? within(ratio: 2, want: .fail, seedOffset: 1_000_000) : nil,
                          horizon: horizon, runs: runs, stableRequestsPerSecond: stableRate > 0 ? stableRate : nil)
    }
}

extension AnalysisPlanner {
    /// One `analysis` step of the deployment process in the measured target, and what it needs.
    public struct StepPlan: Sendable, Equatable, Codable {
        public var wave: String
        /// The canary's weight when the step runs (the last `setWeight` before it in its wave); the
        /// baseline gets as much.
        public var weight: Int
        public var maxDuration: Double
        public var maxExtension: Double
        public var prediction: Prediction?
        /// Why this step cannot be enough at today's traffic, or why it cannot be predicted; nil when it is.
        public var warning: String?

        /// The planner cannot say (another judge, no error-rate metric): not a sign the step is too short.
        public var unpredictable: Bool {
            prediction == nil && (warning == AnalysisPlanner.noErrorMetric || warning?.hasPrefix(AnalysisPlanner.otherJudge) == true)
        }

        public init(wave: String, weight: Int, maxDuration: Double, maxExtension: Double, prediction: Prediction?, warning: String? = nil) {
            self.wave = wave
            self.weight = weight
            self.maxDuration = maxDuration
            self.maxExtension = maxExtension
            self.prediction = prediction
            self.warning = warning
        }
    }

    /// Every analysis step the deployment runs in `target`, at a measured total rate of the service
    /// through that target's router (requests a second, all groups) and its error rate.
    public static func plan(_ deployment: DeploymentSpec, target: String, totalRate: Double, errorRate: Double,
                            runs: Int = 200) -> [StepPlan] {
        var plans: [StepPlan] = []
        for wave in deployment.waves where wave.target == target {
            var weight = 0
            for step in wave.steps {
                if case .setWeight(let w) = step { weight = w }
                guard case .analysis(let spec) = step else { continue }
                let rate = totalRate * Double(weight) / 100
                // The stable group serves what canary and baseline leave.
                let stable = totalRate * Double(max(0, 100 - 2 * weight)) / 100
                let prediction = rate > 0 ? predict(spec: spec, requestsPerSecondPerGroup: rate, baselineErrorRate: errorRate,
                                                    stableRequestsPerSecond: stable, runs: runs) : nil
                var plan = StepPlan(wave: wave.name, weight: weight, maxDuration: spec.maxDuration.timeInterval,
                                    maxExtension: spec.maxExtension.timeInterval, prediction: prediction)
                plan.warning = warning(plan, spec: spec, rate: rate)
                plans.append(plan)
            }
        }
        return plans
    }

    static let noErrorMetric = "no error-rate metric to predict"
    static let otherJudge = "predicted for the sequential judge only"

    static func warning(_ plan: StepPlan, spec: AnalysisSpec, rate: Double) -> String? {
        let watched = plan.maxDuration + plan.maxExtension
        let limit = "max_duration \(DurationText.format(spec.maxDuration))" + (plan.maxExtension > 0 ? " and max_extension \(DurationText.format(spec.maxExtension))" : "")
        if plan.weight == 0 { return "the analysis runs at 0% canary weight (no setWeight before it in wave '\(plan.wave)'): it sees no traffic" }
        if rate <= 0 { return "no traffic measured: an analysis cannot pass at today's traffic" }
        guard let prediction = plan.prediction else {
            return spec.judge == .sequential ? noErrorMetric : otherJudge + " (this one is \(spec.judge.rawValue))"
        }
        guard let pass = prediction.passWithin else {
            return "\(limit) cannot be enough at today's traffic: a good version does not pass within \(DurationText.format(.seconds(Int(prediction.horizon)))) in 9 analyses of 10"
        }
        if pass > watched {
            return "\(limit) cannot be enough at today's traffic: a good version needs \(DurationText.format(.seconds(Int(pass.rounded(.up))))) to pass in 9 analyses of 10"
        }
        return nil
    }
}
