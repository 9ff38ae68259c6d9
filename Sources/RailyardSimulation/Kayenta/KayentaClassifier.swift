import Foundation

/// Kayenta's canary judge (NetflixACAJudge) as it is written, for one canary analysis: each metric's
/// experiment and control series (one value per step) go through Kayenta's transforms and its
/// Mann-Whitney classifier, then its weighted-sum scorer. Ported as a benchmark anchor, not a product judge
/// (the product's fixed-horizon judge is `MannWhitneyJudge`).
///
/// - Transforms: NaN replaced by 0 (Kayenta's default `nanStrategy: none`), then outliers removed
///   (`outliers.strategy: remove`, factor 3, `KayentaOutliers`).
/// - Classifier (`MannWhitneyClassifier(tolerance = 0.25, confLevel = 0.98)`): identical series pass; a
///   metric is High when the lower end of the 98% interval of the Hodges-Lehmann shift exceeds 0.25 × |its
///   estimate| *and* the mean ratio experiment/control is at least the allowed increase (Kayenta's effect
///   size); Low symmetrically. A series with one repeated value gets Gaussian noise of 1e-5 × that value,
///   as Kayenta adds; all observations tied is an Error.
/// - Scorer (`WeightedSumScorer`, one group per metric, equal weights): a critical metric that is not
///   Pass fails the canary (score 0); otherwise score = mean over groups of 100 × Pass / (Pass + High +
///   Low), a group without such a label counting 100. Spinnaker passes ≥ 95 and stops below 75.
public struct KayentaClassifier: Sendable {
    public enum Label: String, Sendable { case pass = "Pass", high = "High", low = "Low", nodata = "Nodata", error = "Error" }
    public enum Direction: Sendable { case increase, decrease, either }

    public struct Metric: Sendable {
        public var name: String
        public var direction: Direction
        public var critical: Bool
        /// Kayenta's effect-size thresholds, as mean ratios experiment/control: High needs at least
        /// `allowedIncrease`, Low at most `allowedDecrease` (1 = any change, Kayenta's default).
        public var allowedIncrease: Double
        public var allowedDecrease: Double

        public init(name: String, direction: Direction = .increase, critical: Bool = false, allowedIncrease: Double = 1, allowedDecrease: Double = 1) {
            self.name = name
            self.direction = direction
            self.critical = critical
            self.allowedIncrease = allowedIncrease
            self.allowedDecrease = allowedDecrease
        }
    }

    public var tolerance = 0.25
    public var confidenceLevel = 0.98
    public var outlierFactor = 3.0
    public var passScore = 95.0
    public var marginalScore = 75.0

    public init() {}

    /// One metric's label. `random` draws the noise Kayenta adds to single-valued series.
    public func classify(_ metric: Metric, control rawControl: [Double], experiment rawExperiment: [Double],
                         random: inout Xoshiro256StarStar) -> Label {
        let control = KayentaOutliers.remove(rawControl.map { $0.isNaN ? 0 : $0 }, factor: outlierFactor)
        let experiment = KayentaOutliers.remove(rawExperiment.map { $0.isNaN ? 0 : $0 }, factor: outlierFactor)
        if control.isEmpty || experiment.isEmpty { return .nodata }
        if control.sorted() == experiment.sorted() { return .pass }
        if Set(control + experiment).count == 1 { return .pass }
        var x = experiment, y = control
        if Set(x).count == 1 && Set(y).count == 1 {
            x = Self.noisy(x, &random)
            y = Self.noisy(y, &random)
        }
        guard let test = try? KayentaMannWhitney.test(x, y, confidenceLevel: confidenceLevel) else { return .error }
        let bound = tolerance * abs(test.estimate)
        let meanX = x.reduce(0, +) / Double(x.count), meanY = y.reduce(0, +) / Double(y.count)
        let effect = meanX == 0 || meanY == 0 ? Double.nan : meanX / meanY
        let high = metric.direction != .decrease && test.lower > bound && (effect.isNaN || effect >= metric.allowedIncrease)
        let low = metric.direction != .increase && test.upper < -bound && (effect.isNaN || effect <= metric.allowedDecrease)
        return high ? .high : low ? .low : .pass
    }

    /// The canary's score (0–100) from each metric's label, and whether a critical metric failed.
    public func score(_ metrics: [Metric], _ labels: [Label]) -> Double {
        if zip(metrics, labels).contains(where: { $0.critical && $1 != .pass }) { return 0 }
        if labels.filter({ $0 == .nodata }).count * 2 >= max(1, labels.count) { return 0 }
        let groups = labels.map { label -> Double in
            switch label {
            case .pass: return 100
            case .high, .low: return 0
            case .nodata, .error: return 100
            }
        }
        return ((groups.reduce(0, +) / Double(max(1, groups.count))) * 100).rounded() / 100
    }

    static func noisy(_ values: [Double], _ random: inout Xoshiro256StarStar) -> [Double] {
        let scale = values[0] * 1e-5
        return values.map { value in
            // Box-Muller: one standard normal from two uniforms.
            let z = (-2 * log(random.uniform())).squareRoot() * cos(2 * Double.pi * random.uniform())
            return value + scale * z
        }
    }
}
