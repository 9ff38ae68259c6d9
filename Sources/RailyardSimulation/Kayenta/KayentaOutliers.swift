import Foundation

/// Kayenta's outlier removal as its judge calls it (`IQRDetector(outlierFactor, reduceSensitivity = true)`,
/// factor 3 by default): a value is an outlier below min(p1, Q1 − k·IQR) or above max(p99, Q3 + k·IQR),
/// percentiles estimated as commons-math's R-7 (linear interpolation between order statistics).
public enum KayentaOutliers {
    public static func remove(_ values: [Double], factor: Double = 3) -> [Double] {
        guard !values.isEmpty else { return values }
        let sorted = values.sorted()
        let q1 = percentile(sorted, 25), q3 = percentile(sorted, 75)
        let iqr = q3 - q1
        let lower = min(percentile(sorted, 1), q1 - factor * iqr)
        let upper = max(percentile(sorted, 99), q3 + factor * iqr)
        return values.filter { $0 >= lower && $0 <= upper }
    }

    /// Tukey's fences without the reduced sensitivity (`IQRDetector(factor)`): which values are outliers.
    public static func detect(_ values: [Double], factor: Double = 1.5) -> [Bool] {
        guard !values.isEmpty else { return [] }
        let sorted = values.sorted()
        let q1 = percentile(sorted, 25), q3 = percentile(sorted, 75)
        let iqr = q3 - q1
        return values.map { $0 < q1 - factor * iqr || $0 > q3 + factor * iqr }
    }

    /// The p-th percentile (0–100) of sorted values, R-7: h = (n − 1)·p/100, interpolated.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        let h = Double(sorted.count - 1) * p / 100
        let low = Int(h.rounded(.down))
        let high = min(sorted.count - 1, low + 1)
        return sorted[low] + (h - Double(low)) * (sorted[high] - sorted[low])
    }
}
