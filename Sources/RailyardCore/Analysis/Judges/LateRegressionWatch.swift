import Foundation

/// Watches a canary's error rate after its analysis passed, until promotion: a regression that starts
/// late (a leak, a cache that fills, a nightly batch) is caught without the pass ever being revisited.
///
/// **An e-detector** (Shiryaev-Roberts form): each interval between two looks gives an e-value E_t — the
/// likelihood ratio of the interval's counts under a regression against the tolerance — and
/// R_t = (1 + R_{t−1}) · E_t, R_0 = 0. A run of bad intervals grows R_t geometrically whenever it starts;
/// good intervals shrink it back towards 0.
///
/// - **Error-rate ratio**: given the interval's n = x + y errors, the canary's share is binomial,
///   p(θ) = θm / (θm + b); E_t = (p₁/p₀)^x ((1 − p₁)/(1 − p₀))^y with p₀ at the tolerated θ_max and p₁ at
///   `alternativeRatio` (θ_max × 1.5 by default). Its expectation is at most 1 whenever θ ≤ θ_max.
/// - **Canary's own rate** (with an acceptable rate q₀): Bernoulli requests, E_t = (q₁/q₀)^x
///   ((1 − q₁)/(1 − q₀))^(m − x), q₁ = 2q₀; expectation at most 1 whenever q ≤ q₀.
///
/// **False alarms.** Under a canary that is not a regression, one of the two has E[E_t | past] ≤ 1, so
/// R_t + (N − t) is a nonnegative supermartingale from N over N looks, and by Ville's inequality
/// P(R_t ≥ N/α at some look t ≤ N) ≤ α. The alarm needs both detectors over N/α, so it is false with
/// probability at most α over `maxLooks` looks, whatever the truth and however the looks fall. After
/// `maxLooks` looks the watch ends (and says so): its guarantee would not hold beyond them.
///
/// Its state is a few numbers (`Codable`, each statistic kept as log(1 + R_t), finite from its start at
/// 0): stored with each look, a restarted server resumes it without spending α again.
public struct LateRegressionWatch: Sendable, Codable, Equatable {
    public let maxRatio: Double
    public let alternativeRatio: Double
    /// 0: the canary's own rate is not watched (any rate above the tolerated ratio is harm).
    public let acceptableRate: Double
    public let alpha: Double
    public let maxLooks: Int
    public private(set) var looks = 0
    /// log(1 + R_t) of each detector: 0 before any evidence.
    public private(set) var ratioEvidence = 0.0
    public private(set) var rateEvidence = 0.0

    public init(allowedIncrease: Double, acceptableRate: Double, alpha: Double, maxLooks: Int, alternativeRatio: Double? = nil) {
        maxRatio = 1 + max(0, allowedIncrease)
        self.alternativeRatio = alternativeRatio ?? maxRatio * 1.5
        self.acceptableRate = max(0, acceptableRate)
        self.alpha = min(max(alpha, 1e-12), 1)
        self.maxLooks = max(1, maxLooks)
    }

    /// The canary's own rate its rate detector tests for: twice the acceptable one.
    public var alternativeRate: Double { min(2 * acceptableRate, 0.999) }

    /// log(1 + N/α): what both statistics must reach (R_t ≥ N/α).
    public var threshold: Double { log1p(Double(maxLooks) / alpha) }

    /// Both detectors over the threshold: a late regression, shown.
    public var alarmed: Bool {
        ratioEvidence >= threshold && (acceptableRate == 0 || rateEvidence >= threshold)
    }

    /// Every look of the watch is spent: it stops, without an alarm.
    public var ended: Bool { looks >= maxLooks && !alarmed }

    /// The weaker of the two statistics: what the alarm waits on.
    public var statistic: Double { acceptableRate > 0 ? min(ratioEvidence, rateEvidence) : ratioEvidence }

    /// An interval that could not be counted (a counter went back unread apart, the buckets changed) is still a
    /// look: without evidence R_t + (N − t) only falls, so the bound holds, and the watch ends after its N looks
    /// (`watch_after_pass`) rather than waiting for intervals that may never be countable again.
    public mutating func skip() {
        guard looks < maxLooks, !alarmed else { return }
        looks += 1
    }

    /// Adds one interval's counts of each group (requests and errors since the previous look).
    public mutating func add(canaryRequests m: Double, canaryErrors x: Double, baselineRequests b: Double, baselineErrors y: Double) {
        guard looks < maxLooks, !alarmed else { return }
        looks += 1
        var ratioE = 0.0
        if m > 0, b > 0, x + y > 0 {
            let p0 = maxRatio * m / (maxRatio * m + b), p1 = alternativeRatio * m / (alternativeRatio * m + b)
            ratioE = x * log(p1 / p0) + y * (log1p(-p1) - log1p(-p0))
        }
        ratioEvidence = Self.step(ratioEvidence, ratioE)
        if acceptableRate > 0 {
            var rateE = 0.0
            if m > 0 {
                let q0 = acceptableRate, q1 = alternativeRate
                let failed = min(max(x, 0), m)
                rateE = failed * log(q1 / q0) + (m - failed) * (log1p(-q1) - log1p(-q0))
            }
            rateEvidence = Self.step(rateEvidence, rateE)
        }
    }

    /// log(1 + R_t) from log(1 + R_{t−1}) and log E_t: R_t = (1 + R_{t−1}) E_t, so log(1 + R_t) = softplus(previous + log E_t).
    static func step(_ previous: Double, _ logE: Double) -> Double {
        let z = previous + logE
        return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
    }
}
