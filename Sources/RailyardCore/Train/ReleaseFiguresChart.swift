import Foundation

/// The trend of release quality and validation days, train after train, as a small SVG.
public enum ReleaseFiguresChart {
    public static func svg(_ figures: ReleaseFigures) -> String {
        let width = 640.0, height = 280.0, left = 48.0, right = 48.0, top = 36.0, bottom = 48.0
        let points = figures.quality
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let maxDays = max(10, points.compactMap { $0.components.first { $0.name == "validation_days" }?.value }.max() ?? 0)
        func x(_ index: Int) -> Double { points.count < 2 ? left + plotWidth / 2 : left + plotWidth * Double(index) / Double(points.count - 1) }
        func yScore(_ score: Double) -> Double { top + plotHeight * (1 - score) }
        func yDays(_ days: Double) -> Double { top + plotHeight * (1 - days / maxDays) }
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }
        var out = [##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" viewBox="0 0 \##(Int(width)) \##(Int(height))" font-family="sans-serif" font-size="11">"##]
        out.append(##"<title>Release quality and validation days per train</title>"##)
        out.append(##"<rect width="100%" height="100%" fill="white"/>"##)
        out.append(##"<text x="\##(left)" y="20" font-size="13">Release quality (0-1, blue) and validation days (orange), per train</text>"##)
        out.append(##"<line x1="\##(left)" y1="\##(top + plotHeight)" x2="\##(left + plotWidth)" y2="\##(top + plotHeight)" stroke="#888"/>"##)
        out.append(##"<line x1="\##(left)" y1="\##(top)" x2="\##(left)" y2="\##(top + plotHeight)" stroke="#888"/>"##)
        out.append(##"<text x="\##(left - 6)" y="\##(top + 4)" text-anchor="end">1</text><text x="\##(left - 6)" y="\##(top + plotHeight)" text-anchor="end">0</text>"##)
        out.append(##"<text x="\##(left + plotWidth + 6)" y="\##(top + 4)">\##(number(maxDays))d</text>"##)
        if points.isEmpty {
            out.append(##"<text x="\##(width / 2)" y="\##(height / 2)" text-anchor="middle">no released train yet</text>"##)
        }
        let score = points.enumerated().map { "\(number(x($0.offset))),\(number(yScore($0.element.score)))" }.joined(separator: " ")
        let days = points.enumerated().map { index, quality in
            "\(number(x(index))),\(number(yDays(quality.components.first { $0.name == "validation_days" }?.value ?? 0)))"
        }.joined(separator: " ")
        out.append(##"<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="\##(score)"/>"##)
        out.append(##"<polyline fill="none" stroke="#ff7f0e" stroke-width="2" stroke-dasharray="4 3" points="\##(days)"/>"##)
        for (index, quality) in points.enumerated() {
            out.append(##"<circle cx="\##(number(x(index)))" cy="\##(number(yScore(quality.score)))" r="3" fill="#1f77b4"><title>\##(escape(quality.train)): \##(number(quality.score))</title></circle>"##)
            out.append(##"<text x="\##(number(x(index)))" y="\##(top + plotHeight + 16)" text-anchor="middle">\##(escape(quality.train))</text>"##)
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}
