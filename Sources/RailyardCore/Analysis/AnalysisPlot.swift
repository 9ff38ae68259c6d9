import Foundation

/// An SVG of an analysis over time: canary vs baseline error rate (top) and the judge's running
/// statistic of the first metric against its boundary (bottom). Plain SVG, no script, no fonts to fetch.
public enum AnalysisPlot {
    public static func svg(title: String, looks: [AnalysisLook], judgements: [Judgement], width: Int = 720) -> String {
        let height = 420, left = 60.0, right = Double(width) - 20, panel = 150.0
        let maxTime = max(looks.last?.elapsed ?? 1, 1)
        func x(_ t: Double) -> Double { left + (right - left) * t / maxTime }
        let baselineRates = looks.map { $0.baseline.errorRate * 100 }
        let canaryRates = looks.map { $0.canary.errorRate * 100 }
        let topMax = max(baselineRates.max() ?? 0, canaryRates.max() ?? 0, 0.5) * 1.15
        func yTop(_ v: Double) -> Double { 40 + panel - panel * v / topMax }
        let statistics = judgements.map { $0.metrics.first?.statistic ?? 0 }
        let boundary = judgements.last?.metrics.first?.boundary ?? 0
        let lowMin = min(statistics.min() ?? 0, 0), lowMax = max(statistics.max() ?? 0, boundary, 1) * 1.15
        func yLow(_ v: Double) -> Double { 250 + panel - panel * (v - lowMin) / (lowMax - lowMin) }
        func path(_ values: [Double], _ y: (Double) -> Double) -> String {
            zip(looks, values).enumerated().map { index, pair in
                "\(index == 0 ? "M" : "L")\(format(x(pair.0.elapsed))),\(format(y(pair.1)))"
            }.joined(separator: " ")
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(left))" y="20" font-size="14" font-weight="bold">\(escape(title))</text>
            <text x="\(Int(left))" y="36">error rate (%) — canary in red, baseline in blue</text>
            <line x1="\(Int(left))" y1="\(Int(40 + panel))" x2="\(Int(right))" y2="\(Int(40 + panel))" stroke="#888"/>
            <line x1="\(Int(left))" y1="40" x2="\(Int(left))" y2="\(Int(40 + panel))" stroke="#888"/>
            <text x="\(Int(left) - 6)" y="\(Int(yTop(topMax / 1.15)))" text-anchor="end">\(format(topMax / 1.15))</text>
            <text x="\(Int(left) - 6)" y="\(Int(40 + panel))" text-anchor="end">0</text>
            <path d="\(path(baselineRates, yTop))" fill="none" stroke="#1f77b4" stroke-width="2"/>
            <path d="\(path(canaryRates, yTop))" fill="none" stroke="#d62728" stroke-width="2"/>
            <text x="\(Int(left))" y="246">judge statistic (\(escape(judgements.last?.metrics.first?.metric ?? "-"))) — boundary dashed</text>
            <line x1="\(Int(left))" y1="\(Int(250 + panel))" x2="\(Int(right))" y2="\(Int(250 + panel))" stroke="#888"/>
            <line x1="\(Int(left))" y1="250" x2="\(Int(left))" y2="\(Int(250 + panel))" stroke="#888"/>
            <line x1="\(Int(left))" y1="\(format(yLow(boundary)))" x2="\(Int(right))" y2="\(format(yLow(boundary)))" stroke="#d62728" stroke-dasharray="6 4"/>
            <text x="\(Int(right))" y="\(format(yLow(boundary) - 4))" text-anchor="end">boundary \(format(boundary))</text>
            <path d="\(path(statistics, yLow))" fill="none" stroke="#2ca02c" stroke-width="2"/>
            <text x="\(Int(right))" y="\(height - 4)" text-anchor="end">seconds since the analysis began (0–\(Int(maxTime)))</text>

            """
        if let last = judgements.last {
            svg += "<text x=\"\(Int(left))\" y=\"\(height - 4)\">verdict: \(last.verdict.rawValue)</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value.isFinite ? value : 0) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
