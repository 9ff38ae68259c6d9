import Foundation
import RailyardCore

/// Kayenta's Mann-Whitney confidence interval and Hodges-Lehmann estimate (`kayenta-mannwhitney`, itself
/// R's `wilcox.test(x, y, conf.int = TRUE, exact = FALSE, correct = TRUE)`), ported to compare our judges
/// with Kayenta's as it runs — an anchor for the benchmark, not a product judge.
///
/// The interval inverts the tie-corrected, continuity-corrected normal approximation of the rank-sum
/// statistic over the shift μ (x − μ against y), with Kayenta's Brent solver and its absolute tolerance
/// of 1e-4 (R's `uniroot` default), so coarse roots on small values are Kayenta's too.
public enum KayentaMannWhitney {
    public struct Result: Sendable, Equatable {
        public var lower: Double
        public var upper: Double
        /// The Hodges-Lehmann estimate of the shift x − y.
        public var estimate: Double
    }

    public enum Failure: Error, Equatable {
        /// Every observation is tied: Kayenta's `wilcoxonDiff` throws, its judge classifies the metric Error.
        case allTied
    }

    /// The interval at `confidenceLevel` and the estimate of the shift of `x` (experiment) against `y` (control).
    public static func test(_ x: [Double], _ y: [Double], confidenceLevel: Double = 0.95) throws -> Result {
        precondition(!x.isEmpty && !y.isEmpty, "Kayenta's Mann-Whitney needs values in both samples")
        let alpha = 1 - confidenceLevel
        let muMin = x.min()! - y.max()!, muMax = x.max()! - y.min()!
        let zQuant = JudgeMath.normalQuantile(alpha / 2)
        func root(_ zq: Double) throws -> Double {
            let fLower = try wilcoxonDiff(mu: muMin, quantile: zq, x, y)
            let fUpper = try wilcoxonDiff(mu: muMax, quantile: zq, x, y)
            if fLower <= 0 { return muMin }
            if fUpper >= 0 { return muMax }
            return try brent(muMin, muMax, fLower, fUpper) { try wilcoxonDiff(mu: $0, quantile: zq, x, y) }
        }
        let lower = try root(-zQuant), upper = try root(zQuant)
        let f0Lower = try wilcoxonDiff(mu: muMin, quantile: 0, x, y), f0Upper = try wilcoxonDiff(mu: muMax, quantile: 0, x, y)
        let estimate = try brent(muMin, muMax, f0Lower, f0Upper) { try wilcoxonDiff(mu: $0, quantile: 0, x, y) }
        return Result(lower: lower, upper: upper, estimate: estimate)
    }

    /// The standardised rank-sum statistic of x − μ against y, minus `quantile` (Kayenta's `wilcoxonDiff`).
    static func wilcoxonDiff(mu: Double, quantile: Double, _ x: [Double], _ y: [Double]) throws -> Double {
        let nx = Double(x.count), ny = Double(y.count)
        let (ranks, ties) = MannWhitney.averageRanks(x.map { $0 - mu } + y)
        let dz = ranks[0..<x.count].reduce(0, +) - nx * (nx + 1) / 2 - nx * ny / 2
        let correction = (dz > 0 ? 1.0 : dz < 0 ? -1.0 : 0) * 0.5
        let tieTerm = ties.reduce(0.0) { $0 + ($1 * $1 * $1 - $1) }
        let sigma = ((nx * ny / 12) * ((nx + ny + 1) - tieTerm / ((nx + ny) * (nx + ny - 1)))).squareRoot()
        guard sigma != 0 else { throw Failure.allTied }
        return (dz - correction) / sigma - quantile
    }

    /// Kayenta's `BrentSolver.solve` (R's zeroin): a root of `f` in [a, b], absolute tolerance 1e-4.
    static func brent(_ ax: Double, _ bx: Double, _ faIn: Double, _ fbIn: Double, _ f: (Double) throws -> Double) rethrows -> Double {
        let tolerance = 1e-4, epsilon = 2.220446049250313e-16
        var a = ax, b = bx, c = ax
        var fa = faIn, fb = fbIn, fc = faIn
        if fa == 0 { return a }
        if fb == 0 { return b }
        for _ in 0...1000 {
            let previousStep = b - a
            if abs(fc) < abs(fb) {
                a = b; b = c; c = a
                fa = fb; fb = fc; fc = fa
            }
            let actualTolerance = 2 * epsilon * abs(b) + tolerance / 2
            var newStep = (c - b) / 2
            if abs(newStep) <= actualTolerance || fb == 0 { return b }
            if abs(previousStep) >= actualTolerance && abs(fa) > abs(fb) {
                var p: Double, q: Double
                let cb = c - b
                if a == c {
                    let t1 = fb / fa
                    p = cb * t1
                    q = 1 - t1
                } else {
                    let qa = fa / fc, t1 = fb / fc, t2 = fb / fa
                    p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1))
                    q = (qa - 1) * (t1 - 1) * (t2 - 1)
                }
                if p > 0 { q = -q } else { p = -p }
                if p < (0.75 * cb * q - abs(actualTolerance * q) / 2) && p < abs(previousStep * q / 2) { newStep = p / q }
            }
            if abs(newStep) < actualTolerance { newStep = newStep > 0 ? actualTolerance : -actualTolerance }
            a = b; fa = fb
            b += newStep
            fb = try f(b)
            if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) { c = a; fc = fa }
        }
        return b
    }
}
