/// Numbers in verdict reasons, formatted the same way on every platform (no locale).
public enum JudgeText {
    /// `x` rounded to `digits` decimals: fixed(3.14159, 2) == "3.14".
    public static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "∞" : "-∞") }
        var scale = 1.0
        for _ in 0..<max(0, digits) { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        let negative = x < 0 && scaled > 0
        let whole = Int(scaled / scale)
        guard digits > 0 else { return (negative ? "-" : "") + grouped(whole) }
        let fraction = Int(scaled - Double(whole) * scale)
        var decimals = String(fraction)
        while decimals.count < digits { decimals = "0" + decimals }
        return (negative ? "-" : "") + grouped(whole) + "." + decimals
    }

    /// An integer with thousands separators: 1840 → "1,840".
    static func grouped(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A request count: 1840.0 → "1,840".
    public static func count(_ x: Double) -> String { x.isFinite ? grouped(Int(x.rounded())) : "n/a" }

    /// A fraction as a percentage with enough digits to tell small rates apart: 0.039 → "3.9%", 0.0049 → "0.49%".
    static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "n/a" }
        let p = fraction * 100
        return fixed(p, p != 0 && abs(p) < 1 ? 2 : 1) + "%"
    }

    /// As `percent`, with more decimals while it would read as `limit` does: a bound that passed below its limit never
    /// reads as the limit ("at most 1.96%, within the acceptable 2.0%", not "at most 2.0%").
    static func percent(_ fraction: Double, apartFrom limit: Double) -> String {
        guard fraction.isFinite else { return "n/a" }
        let p = fraction * 100
        return fixed(p, apartFrom: limit * 100, p != 0 && abs(p) < 1 ? 2 : 1) + "%"
    }

    /// `x` with `digits` decimals, or more (up to 6) while it reads the same as `limit` at that many.
    public static func fixed(_ x: Double, apartFrom limit: Double, _ digits: Int) -> String {
        var shown = digits
        while shown < 6, x != limit, fixed(x, shown) == fixed(limit, shown) { shown += 1 }
        return fixed(x, shown)
    }

    /// Seconds as milliseconds (or seconds when ≥ 10 s): 0.132 → "132 ms".
    public static func latency(_ seconds: Double) -> String {
        guard seconds.isFinite else { return seconds.isNaN ? "n/a" : "> the largest bucket" }
        if seconds >= 10 { return fixed(seconds, 1) + " s" }
        let ms = seconds * 1000
        return fixed(ms, ms < 10 ? 1 : 0) + " ms"
    }

    /// The confidence level of an α: 0.005 → "99.5%", 0.0025 → "99.75%".
    static func confidence(_ alpha: Double) -> String { Self.alpha((1 - alpha) * 100) + "%" }

    /// Histogram bounds as read: `0.005, 0.01, 0.025, +Inf`, at most eight of them.
    static func bounds(_ bounds: [Double]) -> String {
        let shown = bounds.prefix(8).map { $0.isFinite ? String(format: "%g", $0) : "+Inf" }
        return shown.joined(separator: ", ") + (bounds.count > 8 ? ", … (\(bounds.count) buckets)" : "")
    }

    /// A ratio such as an α: 0.01 → "0.01", 0.005 → "0.005".
    public static func alpha(_ a: Double) -> String {
        var digits = 2
        while digits < 6 && abs(a * pow10(digits) - (a * pow10(digits)).rounded()) > 1e-9 { digits += 1 }
        var s = fixed(a, digits)
        while s.hasSuffix("0") && s.contains(".") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    private static func pow10(_ n: Int) -> Double {
        var v = 1.0
        for _ in 0..<n { v *= 10 }
        return v
    }
}
