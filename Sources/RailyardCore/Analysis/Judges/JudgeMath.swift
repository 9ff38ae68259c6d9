import Foundation

/// Small numerical routines the judges share: the normal distribution, log-sum-exp, and the
/// log-moment-generating function of the hypergeometric distribution that the sequential judge's
/// e-values are built on. Pure functions; `Foundation` only for `exp`, `log`, `erfc`, `lgamma`.
public enum JudgeMath {
    /// P(Z ≤ z) for a standard normal Z.
    static func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// P(Z > z) for a standard normal Z, accurate far into the upper tail.
    static func normalSF(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

    /// The standard normal quantile, Wichura's algorithm AS 241 (PPND16), relative error about 1e-16.
    public static func normalQuantile(_ p: Double) -> Double {
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let num = (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r
                + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                + 133.14166789178437745) * r + 3.387132872796366608)
            let den = (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r
                + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                + 42.313330701600911252) * r + 1.0)
            return q * num / den
        }
        var r = q < 0 ? p : 1 - p
        r = (-log(r)).squareRoot()
        var value: Double
        if r <= 5 {
            r -= 1.6
            let num = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                + 4.6303378461565452959) * r + 1.42343711074968357734)
            let den = (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                + 2.05319162663775882187) * r + 1.0)
            value = num / den
        } else {
            r -= 5
            let num = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                + 5.4637849111641143699) * r + 6.6579046435011037772)
            let den = (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                + 0.59983220655588793769) * r + 1.0)
            value = num / den
        }
        return q < 0 ? -value : value
    }

    /// log(Σ exp(xᵢ)) without overflow; -∞ for an empty list.
    static func logSumExp(_ values: [Double]) -> Double {
        guard let top = values.max(), top.isFinite else { return values.max() ?? -.infinity }
        var sum = 0.0
        for v in values { sum += exp(v - top) }
        return top + log(sum)
    }

    /// log C(n, k) for 0 ≤ k ≤ n.
    static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n) + 1) - lgamma(Double(k) + 1) - lgamma(Double(n - k) + 1)
    }
}

/// The hypergeometric distribution of X, the number of canary requests among `draws` requests taken
/// without replacement from a pool of `population` requests of which `successes` came from the canary,
/// prepared so that log E[ω^X] can be evaluated for many ω cheaply and exactly (to double precision).
///
/// log E[ω^X] is what turns "the canary's share of this interval's errors (or slow requests)" into an
/// e-value: ω^x / E[ω^X] has expectation exactly 1 when the canary's requests are a uniformly random
/// subset of the interval's requests (the null hypothesis: canary and baseline behave the same).
struct HypergeometricTilt {
    /// Smallest and largest possible X.
    let lowest: Int
    let highest: Int
    /// ratio[i] = P(X = lowest+i+1) / P(X = lowest+i).
    private var ratio: [Double] = []
    /// logRatio[i] = log ratio[i], decreasing in i (the distribution is log-concave).
    private var logRatio: [Double] = []
    /// cumulative[i] = log P(X = lowest+i) / P(X = lowest).
    private var cumulative: [Double] = []
    /// log Σ P(X = x) / P(X = lowest) (the untilted normaliser).
    private var logNormaliser = 0.0

    init(population: Int, successes: Int, draws: Int) {
        precondition(population >= 0 && successes >= 0 && successes <= population && draws >= 0 && draws <= population)
        lowest = max(0, draws - (population - successes))
        highest = min(draws, successes)
        let span = highest - lowest
        guard span > 0 else { return }
        ratio.reserveCapacity(span)
        logRatio.reserveCapacity(span)
        cumulative.reserveCapacity(span + 1)
        cumulative.append(0)
        let failures = Double(population - successes)
        for i in 0..<span {
            let x = Double(lowest + i)
            let r = (Double(successes) - x) * (Double(draws) - x) / ((x + 1) * (failures - Double(draws) + x + 1))
            ratio.append(r)
            let lr = log(r)
            logRatio.append(lr)
            cumulative.append(cumulative[i] + lr)
        }
        logNormaliser = tiltedLogSum(logOmega: 0)
    }

    /// log E[ω^X] with log ω = `logOmega`.
    func logMGF(logOmega: Double) -> Double {
        let base = Double(lowest) * logOmega
        guard highest > lowest else { return base }
        return base + tiltedLogSum(logOmega: logOmega) - logNormaliser
    }

    /// log Σᵢ exp(cumulative[i] + i·logOmega), summed outward from the largest term until the terms no
    /// longer matter (they fall geometrically away from the mode, so the truncation is below 1e-16).
    private func tiltedLogSum(logOmega: Double) -> Double {
        let span = highest - lowest
        // The mode: the first i whose step to i+1 goes down (logRatio[i] + logOmega < 0).
        var low = 0, high = span
        while low < high {
            let mid = (low + high) / 2
            if logRatio[mid] + logOmega < 0 { high = mid } else { low = mid + 1 }
        }
        let mode = low
        let omega = exp(logOmega)
        var sum = 1.0
        var term = 1.0
        var i = mode
        while i < span {
            term *= ratio[i] * omega
            sum += term
            if term < 1e-17 * sum { break }
            i += 1
        }
        term = 1
        i = mode
        while i > 0 {
            term /= ratio[i - 1] * omega
            sum += term
            if term < 1e-17 * sum { break }
            i -= 1
        }
        return cumulative[mode] + Double(mode) * logOmega + log(sum)
    }
}
