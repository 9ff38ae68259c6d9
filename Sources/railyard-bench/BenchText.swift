import Foundation

/// Numbers as the bench prints them.
enum BenchText {
    static func fixed(_ x: Double, _ digits: Int) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "n/a" }

    /// A count with thousands separators.
    static func count(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        let digits = String(Int(x.rounded()))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}
