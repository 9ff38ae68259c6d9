import Foundation

/// What every grid confidence sequence shares: a parameter on a log-spaced grid, the log-likelihood of
/// every observation so far at each grid point, and a prior over the grid.
///
/// M(φ₀) = Σ π_j exp(ℓ(φ_j) − ℓ(φ₀)) is a nonnegative martingale with mean 1 when φ₀ is the truth (each
/// term is a likelihood ratio), so by Ville's inequality P(ever M(φ₀) ≥ 1/α) ≤ α: the set {φ₀ : M(φ₀) < 1/α}
/// holds the truth at every look at once with probability ≥ 1 − α. The likelihoods used here are concave
/// in log φ, so the set is an interval, read off the grid outward (a value between grid points is covered too).
public struct GridMixture: Sendable, Equatable {
    /// log φ of each grid point, ascending.
    public let logGrid: [Double]
    /// log π_j, summing to 1 over the grid.
    public let logPrior: [Double]
    /// ℓ(φ_j), up to a constant.
    public var logLikelihood: [Double]

    /// `count` points from `low` to `high`, evenly spaced in log φ; `logPriorWeight` gives each point's
    /// unnormalised log prior from its log φ.
    public init(low: Double, high: Double, count: Int, logPriorWeight: (Double) -> Double) {
        let n = max(3, count)
        let grid = (0..<n).map { log(low) + (log(high) - log(low)) * Double($0) / Double(n - 1) }
        logGrid = grid
        logLikelihood = Array(repeating: 0, count: n)
        let unnormalised = grid.map(logPriorWeight)
        let total = JudgeMath.logSumExp(unnormalised)
        logPrior = unnormalised.map { $0 - total }
    }

    /// log M(φ_j) for each grid point: the mixture's log e-value against "the parameter is φ_j".
    public var logEValues: [Double] {
        let mixture = JudgeMath.logSumExp(zip(logLikelihood, logPrior).map { $0 + $1 })
        return logLikelihood.map { mixture - $0 }
    }

    /// The grid indices of the first and last point kept at level 1 − α (nil if none is).
    public func kept(alpha: Double) -> (first: Int, last: Int)? {
        let threshold = log(1 / min(max(alpha, 1e-12), 1))
        let values = logEValues
        guard let first = values.firstIndex(where: { $0 < threshold }), let last = values.lastIndex(where: { $0 < threshold }) else { return nil }
        return (first, last)
    }

    /// The interval at level 1 − α, its ends taken one grid point outward; `floor` and `ceiling` stand for
    /// the ends beyond the grid (0 and +∞ for a ratio, 0 and 1 for a rate).
    public func interval(alpha: Double, floor: Double, ceiling: Double) -> (low: Double, high: Double)? {
        guard let (first, last) = kept(alpha: alpha) else { return nil }
        let low = first == 0 ? floor : exp(logGrid[first - 1])
        let high = last == logGrid.count - 1 ? ceiling : exp(logGrid[last + 1])
        return (low, high)
    }

    /// The smallest log e-value over the grid points at or below `value` (or at or above it, `above`):
    /// how strongly every parameter on that side is ruled out. +∞ when no grid point is on that side.
    public func weakestEvidence(against value: Double, above: Bool) -> Double {
        let cut = log(value)
        let values = logEValues
        var weakest = Double.infinity
        for (j, v) in values.enumerated() where above ? logGrid[j] >= cut : logGrid[j] <= cut { weakest = min(weakest, v) }
        return weakest
    }

    /// log e-values of the one-sided mixture: the prior kept only on the grid points beyond `cut` (above
    /// it, or below it) and renormalised. Each is still a likelihood-ratio mixture with mean 1 under its
    /// parameter, but all its weight sits where the alternative lives, so it rules out the other side
    /// sooner than the two-sided mixture. nil when no grid point is beyond `cut`.
    public func oneSidedLogEValues(beyond cut: Double, above: Bool) -> [Double]? {
        let logCut = log(cut)
        var terms: [Double] = []
        var prior: [Double] = []
        for j in logGrid.indices where above ? logGrid[j] > logCut : logGrid[j] < logCut {
            terms.append(logLikelihood[j] + logPrior[j])
            prior.append(logPrior[j])
        }
        guard !terms.isEmpty else { return nil }
        let mixture = JudgeMath.logSumExp(terms) - JudgeMath.logSumExp(prior)
        return logLikelihood.map { mixture - $0 }
    }

    /// The one-sided bound at level 1 − α from the mixture whose prior lies beyond `cut`: a lower bound
    /// (`above`: every parameter below it ruled out) or an upper bound, taken one grid point outward;
    /// `floor` and `ceiling` stand for the ends beyond the grid.
    public func oneSidedBound(alpha: Double, beyond cut: Double, above: Bool, floor: Double, ceiling: Double) -> Double? {
        guard let values = oneSidedLogEValues(beyond: cut, above: above) else { return nil }
        let threshold = log(1 / min(max(alpha, 1e-12), 1))
        if above {
            guard let first = values.firstIndex(where: { $0 < threshold }) else { return exp(logGrid[logGrid.count - 1]) }
            return first == 0 ? floor : exp(logGrid[first - 1])
        }
        guard let last = values.lastIndex(where: { $0 < threshold }) else { return exp(logGrid[0]) }
        return last == logGrid.count - 1 ? ceiling : exp(logGrid[last + 1])
    }

    /// The smallest one-sided log e-value over the grid points at or below `value` (prior above it), or at
    /// or above it (prior below it): how strongly that whole side is ruled out. 0 when it cannot be said.
    public func weakestOneSidedEvidence(against value: Double, above: Bool) -> Double {
        guard let values = oneSidedLogEValues(beyond: value, above: !above) else { return 0 }
        let cut = log(value)
        var weakest = Double.infinity
        for (j, v) in values.enumerated() where above ? logGrid[j] >= cut : logGrid[j] <= cut { weakest = min(weakest, v) }
        return weakest.isFinite ? weakest : 0
    }
}
