import Foundation

/// An anytime-valid confidence sequence for one group's own error rate q, from its requests and errors.
///
/// Requests fail independently with probability q, so the likelihood of x errors in n requests is
/// q^x (1 − q)^(n − x), and a mixture over a grid of q (log-uniform from one in a million to 99%: every
/// decade of rates weighs the same) gives the sequence of `GridMixture`. It exists for what the ratio
/// cannot say: with no errors in either group the ratio is unbounded, but "the canary fails at most 0.4%
/// of requests" is still shown, and is what a zero-error service's pass rests on.
public struct ErrorRateSequence: Sendable, Equatable {
    public private(set) var mixture: GridMixture
    public private(set) var requests = 0.0
    public private(set) var errors = 0.0
    /// log(1 − q) of each grid point, computed once: an update is then two multiply-adds a point.
    private let logComplement: [Double]

    public init(low: Double = 1e-6, high: Double = 0.99, points: Int = 481) {
        mixture = GridMixture(low: low, high: high, count: points) { _ in 0 }
        logComplement = mixture.logGrid.map { log1p(-exp($0)) }
    }

    public mutating func add(requests n: Double, errors x: Double) {
        guard n > 0 else { return }
        let failed = min(max(x, 0), n)
        requests += n
        errors += failed
        let grid = mixture.logGrid, complement = logComplement
        grid.withUnsafeBufferPointer { grid in
            complement.withUnsafeBufferPointer { complement in
                mixture.logLikelihood.withUnsafeMutableBufferPointer { likelihood in
                    for j in 0..<grid.count { likelihood[j] += failed * grid[j] + (n - failed) * complement[j] }
                }
            }
        }
    }

    /// The interval for q at level 1 − α, valid at every look at once; nil before any request.
    public func interval(alpha: Double) -> (low: Double, high: Double)? {
        guard requests > 0 else { return nil }
        return mixture.interval(alpha: alpha, floor: 0, ceiling: 1)
    }

    /// The one-sided lower bound at level 1 − α, its prior above `cut`; nil before any request.
    public func lowerBound(alpha: Double, beyond cut: Double) -> Double? {
        guard requests > 0 else { return nil }
        return mixture.oneSidedBound(alpha: alpha, beyond: cut, above: true, floor: 0, ceiling: 1)
    }

    /// The one-sided upper bound at level 1 − α, its prior below `cut`; nil before any request.
    public func upperBound(alpha: Double, beyond cut: Double) -> Double? {
        guard requests > 0 else { return nil }
        return mixture.oneSidedBound(alpha: alpha, beyond: cut, above: false, floor: 0, ceiling: 1)
    }
}
