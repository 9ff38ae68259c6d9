import Foundation

/// An anytime-valid confidence sequence for the canary-to-baseline error-rate ratio θ = q_canary / q_baseline
/// (a rate ratio, not an odds ratio), from the intervals between looks.
///
/// **Model.** Within an interval where the canary served m requests and the baseline b, with x and y
/// errors, errors are Poisson in requests, so given the interval's n = x + y errors the canary's share is
/// binomial: x | n ~ Bin(n, p(θ)), p(θ) = θm / (θm + b). Conditioning on n removes the baseline's rate
/// (the nuisance) exactly, and the traffic split may change from one interval to the next. Under
/// Bernoulli requests (a request fails at most once) the conditional law is a little less spread than
/// the binomial, which makes the sequence slightly conservative at high error rates (measured in the
/// tests at a 20% baseline).
///
/// **Sequence.** ℓ(θ) is the log-likelihood of every interval so far. For a prior π on a log-spaced
/// grid of θ (normal in log θ around 0 with a spread of `priorScale`: ratios near 1 are where canaries
/// live, and the mixture is tightest where its prior is), M(θ₀) = Σ π_j exp(ℓ(θ_j) − ℓ(θ₀)) is a
/// nonnegative martingale with mean 1 when
/// θ₀ is the truth, so by Ville's inequality P(ever M(θ₀) ≥ 1/α) ≤ α: the set {θ₀ : M(θ₀) < 1/α} holds the
/// true ratio at every look at once with probability ≥ 1 − α. ℓ is concave in log θ, so the set is an
/// interval, read off the grid (outward, so a ratio between grid points is covered too).
///
/// A regression beyond the tolerance θ_max = 1 + allowed_increase is shown when the whole interval is
/// above θ_max, and ruled out when it is below: each wrong with probability ≤ α, whatever the true ratio,
/// the boundary included. Until then the evidence is inconclusive.
public struct RateRatioSequence: Sendable, Equatable {
    /// The grid of log θ, its prior and the likelihood so far.
    public private(set) var mixture: GridMixture
    public var logGrid: [Double] { mixture.logGrid }
    public var logLikelihood: [Double] { mixture.logLikelihood }
    public var logPrior: [Double] { mixture.logPrior }
    public private(set) var canaryErrors = 0.0
    public private(set) var baselineErrors = 0.0
    public private(set) var canaryRequests = 0.0
    public private(set) var baselineRequests = 0.0
    /// Intervals with at least one error and both groups served (the only ones that inform θ).
    public private(set) var intervals = 0

    /// The default grid: θ from 1/64 to 64, 481 points (a step of 1.7%); the prior's spread is 1 in log θ
    /// (two thirds of its weight on ratios from 0.37 to 2.7).
    public init(low: Double = 1.0 / 64, high: Double = 64, points: Int = 481, priorScale: Double = 1) {
        let scale = max(priorScale, 1e-3)
        mixture = GridMixture(low: low, high: high, count: points) { -0.5 * ($0 / scale) * ($0 / scale) }
    }

    /// Adds one interval's counts for each group.
    public mutating func add(canaryRequests m: Double, canaryErrors x: Double, baselineRequests b: Double, baselineErrors y: Double) {
        canaryRequests += m
        baselineRequests += b
        canaryErrors += x
        baselineErrors += y
        let n = x + y
        guard m > 0, b > 0, n > 0 else { return }
        intervals += 1
        let logOdds = log(m / b)
        let grid = mixture.logGrid
        grid.withUnsafeBufferPointer { grid in
            mixture.logLikelihood.withUnsafeMutableBufferPointer { likelihood in
                for j in 0..<grid.count {
                    // log p = −softplus(−z) for logit p = z = log θ + log(m/b), without overflow; log(1 − p) = log p − z.
                    let z = grid[j] + logOdds
                    let logP = -Self.softplus(-z)
                    likelihood[j] += x * logP + y * (logP - z)
                }
            }
        }
    }

    /// log(1 + e^z), stable for large |z|.
    static func softplus(_ z: Double) -> Double { z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)) }

    /// log M(θ_j) for each grid point: the mixture's log e-value against "the ratio is θ_j".
    public var logEValues: [Double] { mixture.logEValues }

    /// The confidence interval for θ at level 1 − α, valid at every look at once; nil before any error.
    /// Its ends are grid points taken outward (the lowest grid point as 0, the highest as +∞).
    public func interval(alpha: Double) -> (low: Double, high: Double)? {
        guard intervals > 0 else { return nil }
        return mixture.interval(alpha: alpha, floor: 0, ceiling: .infinity)
    }

    /// The one-sided lower bound (every ratio below it ruled out) at level 1 − α, its prior above `cut`
    /// (the tolerated ratio: where a regression lives); nil before any error.
    public func lowerBound(alpha: Double, beyond cut: Double) -> Double? {
        guard intervals > 0 else { return nil }
        return mixture.oneSidedBound(alpha: alpha, beyond: cut, above: true, floor: 0, ceiling: .infinity)
    }

    /// The one-sided upper bound at level 1 − α, its prior below `cut`; nil before any error.
    public func upperBound(alpha: Double, beyond cut: Double) -> Double? {
        guard intervals > 0 else { return nil }
        return mixture.oneSidedBound(alpha: alpha, beyond: cut, above: false, floor: 0, ceiling: .infinity)
    }

    /// Where the interval stands against the tolerated ratio `maxRatio`.
    public enum Standing: Sendable, Equatable {
        /// The whole interval is above the tolerance: a regression beyond it, at this confidence.
        case regression
        /// The whole interval is at or below the tolerance: no regression beyond it.
        case withinTolerance
        case undecided
    }

    public func standing(maxRatio: Double, alpha: Double) -> Standing {
        guard let interval = interval(alpha: alpha) else { return .undecided }
        if interval.low > maxRatio { return .regression }
        if interval.high <= maxRatio { return .withinTolerance }
        return .undecided
    }
}
