import Foundation

extension PipelineCommand.Figures {
    var stepOverheadMs: Double { Stats.median(stepOverhead) ?? .nan }
    var abortToStableMs: Double { Stats.median(abortToStable) ?? .nan }
    var directP50: Double { Stats.percentile(sorted: direct, 50) ?? .nan }
    var directP99: Double { Stats.percentile(sorted: direct, 99) ?? .nan }
    var routerP50: Double { Stats.percentile(sorted: router, 50) ?? .nan }
    var routerP99: Double { Stats.percentile(sorted: router, 99) ?? .nan }

    /// Exactly the six figures, in milliseconds.
    var json: String {
        let pairs: [(String, Double)] = [
            ("step_overhead_ms", stepOverheadMs), ("abort_to_stable_ms", abortToStableMs),
            ("direct_p50_ms", directP50), ("direct_p99_ms", directP99),
            ("router_p50_ms", routerP50), ("router_p99_ms", routerP99),
        ]
        return "{" + pairs.map { "\"\($0.0)\": \(Self.number($0.1))" }.joined(separator: ", ") + "}"
    }

    static func number(_ value: Double) -> String {
        value.isFinite ? String(format: "%.3f", value) : "null"
    }

    func table(settings: PipelineCommand.Settings) -> String {
        func ms(_ value: Double) -> String { value.isFinite ? String(format: "%.2f ms", value) : "n/a" }
        func row(_ cells: [String]) -> String {
            let widths = [44, 12, 12, 14]
            return cells.enumerated().map { index, cell in
                index < widths.count ? cell.padding(toLength: max(widths[index], cell.count), withPad: " ", startingAt: 0) : cell
            }.joined(separator: " ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        func verdict(_ value: Double, below goal: Double) -> String { value.isFinite ? (value < goal ? "ok" : "MISSED") : "n/a" }
        func spread(_ values: [Double]) -> String {
            guard let low = values.min(), let high = values.max() else { return "" }
            return String(format: "runs %.2f–%.2f ms", low, high)
        }
        func ratio(_ a: Double, _ b: Double) -> String { a.isFinite && b.isFinite && b > 0 ? String(format: "×%.2f", a / b) : "n/a" }

        var lines: [String] = []
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        lines.append("Railyard pipeline benchmark — \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(load) at the end, real processes")
        lines.append("")
        lines.append(row(["control plane (median of \(settings.runs) runs)", "measured", "goal", "", ""]))
        lines.append(row(["step overhead (setWeight, no bake)", ms(stepOverheadMs), "< 10 ms", verdict(stepOverheadMs, below: 10), spread(stepOverhead)]))
        let inside = Stats.median(stepInside) ?? .nan
        lines.append(row(["  of which router apply + its record", ms(inside), "", "", ""]))
        lines.append(row(["  of which between steps (store, controller)", ms(Stats.median(zip(stepOverhead, stepInside).map { $0 - $1 }) ?? .nan), "", "", ""]))
        lines.append(row(["abort → stable 100% on the router", ms(abortToStableMs), "< 100 ms", verdict(abortToStableMs, below: 100), spread(abortToStable)]))
        lines.append(row(["  (abort() call returned after)", ms(Stats.median(abortCallReturn) ?? .nan), "", "", ""]))
        lines.append("")
        lines.append(row(["GET /health, \(Int(settings.rate)) req/s open loop", "direct", "router", "router/direct", ""]))
        lines.append(row(["p50", ms(directP50), ms(routerP50), ratio(routerP50, directP50)]))
        lines.append(row(["p99", ms(directP99), ms(routerP99), ratio(routerP99, directP99)]))
        lines.append(row(["router added (p50 / p99)", ms(routerP50 - directP50), ms(routerP99 - directP99), ""]))
        lines.append(row(["answers measured / failed", "\(direct.count) / \(directFailures)", "\(router.count) / \(routerFailures)", ""]))
        lines.append(String(format: "(the sender started its requests at most %.2f ms after their scheduled time at p99)", sendLateP99))
        return lines.joined(separator: "\n")
    }
}
