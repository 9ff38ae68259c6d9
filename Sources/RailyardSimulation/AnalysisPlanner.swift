import Foundation
import RailyardCore

/// How long an analysis needs at a measured traffic, predicted by running the product's own judge on
/// simulated analyses at that traffic: a good canary (answering as the stable version does today) and one
/// failing twice as often. Each metric is simulated from what it reads (`MeasuredTraffic.stream`): the
/// router's error rate, the service's own `failed`/`total` counters, the latency histogram it judges.
public enum AnalysisPlanner {
    public struct Prediction: Sendable, Equatable, Codable {
        /// Requests a second each group (canary, baseline) serves during the analysis, through the router.
        public var requestsPerSecondPerGroup: Double
        public var baselineErrorRate: Double
        /// Seconds within which 9 good canaries in 10 earn their pass on every metric predicted; nil when
        /// longer than `horizon`, or when no metric could be predicted.
        public var passWithin: Double?
        /// Seconds within which 9 canaries in 10 failing twice as often are failed; nil when longer than
        /// `horizon`, or with no error today on any error metric (twice nothing is nothing).
        public var catchWithin: Double?
        /// How long each simulated analysis ran, at most.
        public var horizon: Double
        public var runs: Int
        /// Requests a second the stable group adds to the control (`stable_as_control`); nil when it is not counted.
        public var stableRequestsPerSecond: Double?
        /// Each metric of the step, in the spec's order: what it needs, or why it was not predicted.
        public var metrics: [MetricPrediction]
        /// With a latency shift metric: how much slower the caught version answers (twice the smallest
        /// tolerance, 0.2 for +10%), and the seconds within which 9 such canaries in 10 are failed.
        public var slowerBy: Double?
        public var slowerCaughtWithin: Double?
        /// Instances each of canary and baseline was simulated as, read apart (2 for any count above one);
        /// nil: each group one sum.
        public var instancesPerGroup: Int?

        public init(requestsPerSecondPerGroup: Double, baselineErrorRate: Double, passWithin: Double?, catchWithin: Double?, horizon: Double, runs: Int,
                    stableRequestsPerSecond: Double? = nil, metrics: [MetricPrediction] = []) {
            self.stableRequestsPerSecond = stableRequestsPerSecond
            self.requestsPerSecondPerGroup = requestsPerSecondPerGroup
            self.baselineErrorRate = baselineErrorRate
            self.passWithin = passWithin
            self.catchWithin = catchWithin
            self.horizon = horizon
            self.runs = runs
            self.metrics = metrics
        }

        /// Some error metric fails today, so a version failing twice as often is something to catch.
        public var failsToday: Bool { baselineErrorRate > 0 && metrics.isEmpty || metrics.contains { ($0.failedShare ?? 0) > 0 } }

        /// Every metric left out, with its reason.
        public var unpredicted: [MetricPrediction] { metrics.filter { $0.unpredicted != nil } }
    }

    /// One metric of a step on its own: the analysis passes when every metric has, and fails when one does.
    public struct MetricPrediction: Sendable, Equatable, Codable {
        public var metric: String
        /// Requests a second each group serves to this metric (its own counter's or histogram's rate); nil when unpredicted.
        public var requestsPerSecondPerGroup: Double?
        /// Seconds within which 9 good canaries in 10 pass this metric; nil beyond the horizon or unpredicted.
        public var passWithin: Double?
        /// Error metrics: the share failing today, and the seconds within which 9 canaries in 10 failing
        /// twice as often fail it.
        public var failedShare: Double?
        public var catchWithin: Double?
        /// Latency metrics: the seconds within which 9 canaries in 10 answering `Prediction.slowerBy` slower fail it.
        public var slowerCaughtWithin: Double?
        /// Why this metric could not be simulated from what was measured; nil when it was.
        public var unpredicted: String?

        public init(metric: String, requestsPerSecondPerGroup: Double? = nil, passWithin: Double? = nil, failedShare: Double? = nil,
                    catchWithin: Double? = nil, slowerCaughtWithin: Double? = nil, unpredicted: String? = nil) {
            self.metric = metric
            self.slowerCaughtWithin = slowerCaughtWithin
            self.failedShare = failedShare
            self.requestsPerSecondPerGroup = requestsPerSecondPerGroup
            self.passWithin = passWithin
            self.catchWithin = catchWithin
            self.unpredicted = unpredicted
        }
    }

    /// The share of good (and of 2×) canaries a prediction is about.
    public static let probability = 0.9

    /// At the router's rate and error rate alone: error-rate metrics on HTTP failures. Latency metrics and
    /// the service's own counters need the stable version's counters (`predict(spec:traffic:…)`).
    public static func predict(spec: AnalysisSpec, requestsPerSecondPerGroup rate: Double, baselineErrorRate: Double,
                               stableRequestsPerSecond: Double = 0, runs: Int = 200, seed: UInt64 = 0x91A7,
                               mixing: SequentialMixing = .product) -> Prediction? {
        predict(spec: spec, traffic: MeasuredTraffic(requestsPerSecond: rate, errorRate: baselineErrorRate, window: 1, stableUnread: "only the router was measured"),
                groupShare: 1, stableShare: rate > 0 ? stableRequestsPerSecond / rate : 0, runs: runs, seed: seed, mixing: mixing)
    }

    /// nil when the spec's judge is not the sequential one.
    /// - Parameters:
    ///   - groupShare: the share of today's traffic each of canary and baseline serves (the canary's weight).
    ///   - stableShare: the stable group's share, counted as control when the spec says `stable_as_control`.
    ///   - instancesPerGroup: the instances each of canary and baseline runs, read apart as the product's sources
    ///     read them (a fail must then show without each canary instance too); 0 or 1: each group one sum. More than
    ///     two are simulated as two: the canary without one instance is then half of it, the least it can keep, so
    ///     the plan errs long; and the judge's work grows with every instance while `deploy` waits for the plan.
    ///   - progress: told each metric's name as its simulations start (they take seconds each).
    public static func predict(spec: AnalysisSpec, traffic: MeasuredTraffic, groupShare: Double, stableShare: Double = 0, runs: Int = 200,
                               seed: UInt64 = 0x91A7, mixing: SequentialMixing = .product, instancesPerGroup: Int = 0,
                               progress: ((String) -> Void)? = nil) -> Prediction? {
        guard spec.judge == .sequential else { return nil }
        let simulatedInstances = instancesPerGroup > 1 ? 2 : 0
        let stableShare = spec.stableAsControl ? max(0, stableShare) : 0
        let watched = (spec.maxDuration + spec.maxExtension).timeInterval
        let horizon = min(max(4 * watched, 1800), 86_400)
        // At most 250 looks within what the analysis watches and 250 beyond it: a confidence sequence holds
        // at any looks, so coarser ones only round the time up, and a plan takes seconds, not minutes.
        let fine = max(spec.interval.timeInterval, watched / 250), coarse = max(spec.interval.timeInterval, horizon / 250)

        /// Seconds to `want` in each run of one metric alone, infinity when it never came.
        /// `enough`: the runs may stop once this many never came, the rest counted as never too. Right when the
        /// quantile asked for is then nil whatever the rest would say (a pass is the latest of every metric's).
        func times(_ metric: AnalysisMetricSpec, _ stream: MeasuredTraffic.Stream, ratio: Double = 1, slower: Double = 0, want: VerdictKind,
                   seed: UInt64, enough: Bool) -> [Double] {
            var alone = spec
            alone.metrics = [metric]
            // α stays split over every metric the analysis judges, as the real one does.
            alone.alpha = spec.alpha / Double(max(1, spec.metrics.count))
            var out: [Double] = []
            for run in 0..<runs {
                var simulator = CanaryStreamSimulator(model: stream.model(share: groupShare, errorRatio: ratio, slower: slower), seed: seed &+ UInt64(run),
                                                      stableRequestsPerSecond: stream.requestsPerSecond * stableShare,
                                                      instancesPerGroup: simulatedInstances)
                var tracker = SequentialJudge(spec: alone, mixing: mixing).tracker()
                var decidedAt = Double.infinity
                while simulator.look.elapsed < horizon {
                    tracker.observe(Self.read(simulator.step(seconds: simulator.look.elapsed < watched ? fine : coarse), as: metric))
                    if let verdict = tracker.decided {
                        if verdict == want { decidedAt = simulator.look.elapsed }
                        break
                    }
                }
                out.append(decidedAt)
                if enough && out.count(where: \.isInfinite) > runs - Int((probability * Double(runs)).rounded(.up)) {
                    return out + Array(repeating: .infinity, count: runs - out.count)
                }
            }
            return out
        }

        // A slower version to catch: twice the smallest tolerated increase of a whole-distribution shift.
        let shifts = spec.metrics.filter { $0.kind == .latency && $0.quantile == nil && $0.allowedIncrease > 0 }.map(\.allowedIncrease)
        let slowerBy = shifts.min().map { 2 * $0 }
        var metrics: [MetricPrediction] = []
        var passes: [[Double]] = [], catches: [[Double]] = [], slowerCatches: [[Double]] = []
        let streams = spec.metrics.map { traffic.stream(for: $0) }
        func found(_ index: Int) -> MeasuredTraffic.Stream? { if case .success(let stream) = streams[index] { return stream } else { return nil } }
        // A fail is the earliest of the metrics', so one metric's runs may stop early only when it is the only one caught.
        let caughtAlone = spec.metrics.indices.filter { spec.metrics[$0].kind == .errorRate && (found($0)?.failedShare ?? 0) > 0 }.count == 1
        let slowerAlone = spec.metrics.indices.filter { spec.metrics[$0].kind == .latency && found($0) != nil }.count == 1
        for (index, metric) in spec.metrics.enumerated() {
            let stream: MeasuredTraffic.Stream
            switch streams[index] {
            case .failure(let why):
                metrics.append(MetricPrediction(metric: metric.name, unpredicted: why.reason))
                continue
            case .success(let found): stream = found
            }
            progress?(metric.name)
            let offset = UInt64(index) &* 10_000_000
            let pass = times(metric, stream, ratio: 1, want: .pass, seed: seed &+ offset, enough: true)
            passes.append(pass)
            var caught: Double?
            if metric.kind == .errorRate && stream.failedShare > 0 {
                let fails = times(metric, stream, ratio: 2, want: .fail, seed: seed &+ offset &+ 1_000_000, enough: caughtAlone)
                catches.append(fails)
                caught = quantile(fails)
            }
            var slowerCaught: Double?
            if metric.kind == .latency, let slowerBy {
                let fails = times(metric, stream, slower: slowerBy, want: .fail, seed: seed &+ offset &+ 2_000_000, enough: slowerAlone)
                slowerCatches.append(fails)
                slowerCaught = quantile(fails)
            }
            metrics.append(MetricPrediction(metric: metric.name, requestsPerSecondPerGroup: stream.requestsPerSecond * groupShare,
                                            passWithin: quantile(pass), failedShare: metric.kind == .errorRate ? stream.failedShare : nil,
                                            catchWithin: caught, slowerCaughtWithin: slowerCaught))
        }
        // The analysis passes once its last metric has, and fails with its first.
        let passWithin = passes.isEmpty ? nil : quantile((0..<runs).map { run in passes.map { $0[run] }.max()! })
        let catchWithin = catches.isEmpty ? nil : quantile((0..<runs).map { run in catches.map { $0[run] }.min()! })
        let stableRate = stableShare * traffic.requestsPerSecond
        var prediction = Prediction(requestsPerSecondPerGroup: traffic.requestsPerSecond * groupShare, baselineErrorRate: traffic.errorRate,
                                    passWithin: passWithin, catchWithin: catchWithin, horizon: horizon, runs: runs,
                                    stableRequestsPerSecond: stableRate > 0 ? stableRate : nil, metrics: metrics)
        prediction.instancesPerGroup = simulatedInstances > 0 ? simulatedInstances : nil
        if !slowerCatches.isEmpty {
            prediction.slowerBy = slowerBy
            prediction.slowerCaughtWithin = quantile((0..<runs).map { run in slowerCatches.map { $0[run] }.min()! })
        }
        return prediction
    }

    /// The time within which `probability` of the runs came to their verdict; nil when that is never.
    public static func quantile(_ times: [Double]) -> Double? {
        guard !times.isEmpty else { return nil }
        let sorted = times.sorted()
        let value = sorted[min(sorted.count - 1, Int((probability * Double(sorted.count)).rounded(.up)) - 1)]
        return value.isFinite ? value : nil
    }

    /// A simulated look as `metric` reads it: a `failed`/`total` pair counts the simulated requests and
    /// errors, a histogram of the service's own holds the simulated buckets.
    static func read(_ look: AnalysisLook, as metric: AnalysisMetricSpec) -> AnalysisLook {
        func reading(_ group: GroupCounters) -> GroupCounters {
            var group = group
            if let failed = metric.failedCounter, let total = metric.totalCounter {
                group.counters[failed] = group.errors
                group.counters[total] = group.requests
            }
            if let histogram = metric.histogram { group.histograms[histogram] = group.latencyBuckets }
            // Each instance reads its own, as the sources read them apart.
            for (address, var own) in group.instances {
                if let failed = metric.failedCounter, let total = metric.totalCounter {
                    own.counters[failed] = own.errors
                    own.counters[total] = own.requests
                }
                if let histogram = metric.histogram { own.histograms[histogram] = own.latency }
                group.instances[address] = own
            }
            return group
        }
        guard metric.failedCounter != nil || metric.histogram != nil else { return look }
        var look = look
        look.baseline = reading(look.baseline)
        look.canary = reading(look.canary)
        look.stable = look.stable.map(reading)
        return look
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

        /// The planner cannot say (another judge, no metric it could simulate): not a sign the step is too short.
        public var unpredictable: Bool {
            warning?.hasPrefix(AnalysisPlanner.nothingPredicted) == true || (prediction == nil && warning?.hasPrefix(AnalysisPlanner.otherJudge) == true)
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
    /// through that target's router (requests a second, all groups) and its error rate: error-rate metrics
    /// on HTTP failures only.
    public static func plan(_ deployment: DeploymentSpec, target: String, totalRate: Double, errorRate: Double,
                            runs: Int = 200) -> [StepPlan] {
        plan(deployment, target: target, traffic: MeasuredTraffic(requestsPerSecond: totalRate, errorRate: errorRate, window: 1,
                                                                  stableUnread: "only the router was measured"), runs: runs)
    }

    /// Every analysis step the deployment runs in `target`, each metric simulated from today's `traffic`.
    /// `progress`: told "wave 'canary', metric 'latency'" as each metric's simulations start.
    /// `instancesPerGroup`: what the deployment starts of canary and of baseline there (`ServiceSpec.instanceCount`).
    public static func plan(_ deployment: DeploymentSpec, target: String, traffic: MeasuredTraffic, runs: Int = 200, instancesPerGroup: Int = 0,
                            progress: ((String) -> Void)? = nil) -> [StepPlan] {
        var plans: [StepPlan] = []
        for wave in deployment.waves where wave.target == target {
            var weight = 0
            for step in wave.steps {
                if case .setWeight(let w) = step { weight = w }
                guard case .analysis(let spec) = step else { continue }
                let rate = traffic.requestsPerSecond * Double(weight) / 100
                // The stable group serves what canary and baseline leave.
                let stableShare = Double(max(0, 100 - 2 * weight)) / 100
                let prediction = rate > 0 ? predict(spec: spec, traffic: traffic, groupShare: Double(weight) / 100, stableShare: stableShare, runs: runs,
                                                    instancesPerGroup: instancesPerGroup, progress: progress.map { say in { say("wave '\(wave.name)', metric '\($0)'") } }) : nil
                var plan = StepPlan(wave: wave.name, weight: weight, maxDuration: spec.maxDuration.timeInterval,
                                    maxExtension: spec.maxExtension.timeInterval, prediction: prediction)
                plan.warning = warning(plan, spec: spec, rate: rate)
                plans.append(plan)
            }
        }
        return plans
    }

    /// The names of the service's own counters and histograms the analysis steps in `target` read: what
    /// the plan must read from the stable version to simulate them.
    public static func namesRead(_ deployment: DeploymentSpec, target: String) -> (counters: [String], histograms: [String]) {
        let specs = deployment.waves.filter { $0.target == target }.flatMap(\.steps).compactMap { step -> AnalysisSpec? in
            if case .analysis(let spec) = step { return spec } else { return nil }
        }
        return (specs.flatMap(\.namedCounters).uniqued(), specs.flatMap(\.namedHistograms).uniqued())
    }

    static let nothingPredicted = "no metric of this step could be predicted"
    static let otherJudge = "predicted for the sequential judge only"

    static func warning(_ plan: StepPlan, spec: AnalysisSpec, rate: Double) -> String? {
        let watched = plan.maxDuration + plan.maxExtension
        let limit = "max_duration \(DurationText.format(spec.maxDuration))" + (plan.maxExtension > 0 ? " and max_extension \(DurationText.format(spec.maxExtension))" : "")
        if plan.weight == 0 { return "the analysis runs at 0% canary weight (no setWeight before it in wave '\(plan.wave)'): it sees no traffic" }
        if rate <= 0 { return "no traffic measured: an analysis cannot pass at today's traffic" }
        guard let prediction = plan.prediction else { return otherJudge + " (this one is \(spec.judge.rawValue))" }
        if prediction.metrics.allSatisfy({ $0.unpredicted != nil }) {
            return nothingPredicted + ": " + prediction.metrics.map { "\($0.metric): \($0.unpredicted ?? "")" }.joined(separator: "; ")
        }
        // With several metrics, the ones a good version waits for.
        let slow = prediction.metrics.filter { $0.unpredicted == nil && ($0.passWithin ?? .infinity) > watched }.map { "'\($0.metric)'" }
        let heldBy = prediction.metrics.count > 1 && !slow.isEmpty ? " (held up by \(slow.joined(separator: ", ")))" : ""
        guard let pass = prediction.passWithin else {
            return "\(limit) cannot be enough at today's traffic: a good version does not pass within \(DurationText.format(.seconds(Int(prediction.horizon)))) in 9 analyses of 10" + heldBy
        }
        if pass > watched {
            return "\(limit) cannot be enough at today's traffic: a good version needs \(DurationText.format(.seconds(Int(pass.rounded(.up))))) to pass in 9 analyses of 10" + heldBy
        }
        return nil
    }
}
