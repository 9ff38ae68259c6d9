import Foundation

/// The Mann-Whitney U test (Wilcoxon rank-sum), two-sided, computed as `scipy.stats.mannwhitneyu` does:
/// average ranks for ties; U is U₁, the statistic of the first sample; the asymptotic p-value uses the
/// tie-corrected variance and a continuity correction; the exact p-value counts the permutation
/// distribution of U; `.auto` picks exact when a sample has at most 8 values and there are no ties.
public enum MannWhitney {
    public enum Method: String, Sendable { case auto, exact, asymptotic }

    public struct Result: Sendable, Equatable {
        /// U₁: the number of pairs (x, y) with x > y, ties counting one half.
        public var u: Double
        /// Two-sided p-value.
        public var pValue: Double
        /// The normal deviate of the shift, positive when the first sample tends to be larger (tie-corrected,
        /// continuity-corrected; 0 when every value is equal).
        public var z: Double
        public var method: Method
    }

    /// Two-sided test of `x` against `y`. Both must be non-empty and free of NaN.
    public static func test(_ x: [Double], _ y: [Double], method: Method = .auto, continuity: Bool = true) -> Result {
        precondition(!x.isEmpty && !y.isEmpty, "Mann-Whitney needs values in both samples")
        let n1 = x.count, n2 = y.count
        let (ranks, tieSizes) = averageRanks(x + y)
        let r1 = ranks[0..<n1].reduce(0, +)
        let u1 = r1 - Double(n1 * (n1 + 1)) / 2
        let u2 = Double(n1 * n2) - u1
        let big = max(u1, u2)
        let mu = Double(n1 * n2) / 2
        let n = Double(n1 + n2)
        let tieTerm = tieSizes.reduce(0.0) { $0 + ($1 * $1 * $1 - $1) }
        let variance = Double(n1 * n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        let s = variance > 0 ? variance.squareRoot() : 0
        var z = 0.0
        if s > 0 {
            let shift = u1 - mu
            let corrected = continuity ? max(0, abs(shift) - 0.5) : abs(shift)
            z = (shift < 0 ? -corrected : corrected) / s
        }
        let chosen: Method
        switch method {
        case .auto: chosen = (n1 > 8 && n2 > 8) || tieSizes.contains(where: { $0 > 1 }) ? .asymptotic : .exact
        default: chosen = method
        }
        var p: Double
        if chosen == .exact {
            p = 2 * exactSurvival(Int(big.rounded()), n1, n2)
        } else if s > 0 {
            p = 2 * JudgeMath.normalSF((big - mu - (continuity ? 0.5 : 0)) / s)
        } else {
            p = 1
        }
        p = min(max(p, 0), 1)
        return Result(u: u1, pValue: p, z: z, method: chosen)
    }

    /// Average ranks (1-based) and the sizes of the groups of tied values (1 for an untied value).
    public static func averageRanks(_ values: [Double]) -> (ranks: [Double], ties: [Double]) {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var ties: [Double] = []
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            ties.append(Double(j - i + 1))
            i = j + 1
        }
        return (ranks, ties)
    }

    /// P(U ≥ u) under the null for samples of sizes n1 and n2 without ties: the coefficients of the Gaussian
    /// binomial [n1+n2 choose m]_q (m the smaller size) count the arrangements with each value of U.
    static func exactSurvival(_ u: Int, _ n1: Int, _ n2: Int) -> Double {
        let m = min(n1, n2), n = max(n1, n2)
        let top = m * n
        if u <= 0 { return 1 }
        if u > top { return 0 }
        var c = [Double](repeating: 0, count: top + 1)
        c[0] = 1
        var degree = 0
        for i in 1...max(1, m) where m > 0 {
            // multiply by (1 - q^(n+i)), then divide by (1 - q^i)
            let a = n + i
            let newDegree = degree + n
            if a <= newDegree {
                for k in stride(from: newDegree, through: a, by: -1) { c[k] -= c[k - a] }
            }
            for k in i...newDegree { c[k] += c[k - i] }
            degree = newDegree
        }
        let total = c.reduce(0, +)
        // P(U ≥ u) = P(U ≤ top - u) by symmetry; sum the smaller tail for accuracy.
        let lower = top - u
        var tail = 0.0
        for k in 0...lower { tail += c[k] }
        return tail / total
    }
}
