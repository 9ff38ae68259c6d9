import Foundation
import RailyardAPI
import RailyardCore

enum EventLine {
    static let time: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter
    }()

    static let kindWidth = 28

    static func render(_ event: AuditEvent) -> String {
        // Padded to the longest kind there is (`rollout.rollback_action_done`), never cut.
        let kind = event.kind.count < kindWidth ? event.kind.padding(toLength: kindWidth, withPad: " ", startingAt: 0) : event.kind
        var line = "\(time.string(from: event.at))  \(kind) \(event.message)"
        if let reason = event.reason { line += "\n           reason: \(reason)" }
        if event.actor != "railyard" { line += "  [\(event.actor)]" }
        return line
    }
}

enum RolloutText {
    static func line(_ view: API.RolloutView) -> String {
        "\(view.id)  \(view.service) \(view.version)  \(Style.phase(view.phase))  \(progress(view))"
    }

    static func progress(_ view: API.RolloutView) -> String {
        switch view.phase {
        case .promoted: return "promoted everywhere"
        case .rolledBack: return "rolled back: \(view.reason ?? "")"
        case .rollingBack: return "rolling back (\(view.rollbackDone)/\(view.rollbackPlan.count)): \(view.reason ?? "")"
        case .finishing: return "retiring the old version"
        case .paused: return "step \(view.stepIndex + 1)/\(view.stepCount) wave \(view.wave): \(view.step) until \(view.pauseUntil.map { EventLine.time.string(from: $0) } ?? "?")"
        case .awaitingApproval:
            // An inconclusive analysis also waits here: its reason says why a person is needed.
            let why = view.reason.flatMap { $0.hasPrefix("waiting for approval") ? nil : "\($0); " } ?? ""
            return "step \(view.stepIndex + 1)/\(view.stepCount) wave \(view.wave): \(why)waiting for a person (railyard rollout approve|abort \(view.id))"
        case .running: return "step \(view.stepIndex + 1)/\(view.stepCount) wave \(view.wave): \(view.step)"
        }
    }

    static func detail(_ view: API.RolloutView) -> String {
        var lines = ["rollout \(view.id): \(view.service) \(view.version)", "  phase    \(Style.phase(view.phase)) — \(progress(view))",
                     "  created  \(view.createdAt) by \(view.createdBy)"]
        for (target, progress) in view.targets.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(target.padding(toLength: 8, withPad: " ", startingAt: 0)) stable \(progress.stableVersion), \(view.version) at \(progress.canaryWeight)%"
                         + (progress.promoted ? " (promoted)" : ""))
        }
        if !view.rollbackPlan.isEmpty {
            lines.append("  rollback plan:")
            for (index, step) in view.rollbackPlan.enumerated() { lines.append("    \(index < view.rollbackDone ? "✓" : "·") \(step)") }
        }
        return lines.joined(separator: "\n")
    }
}

enum StatusTable {
    /// - Parameter width: the terminal's columns; a service whose groups do not fit on one line gets a
    ///   line per group.
    static func render(_ status: FleetStatus, width: Int = Style.width) -> String {
        var lines: [String] = []
        for target in status.targets {
            let router = target.router.map { "\($0)\(target.routerAlive ? "" : " (DOWN)")" } ?? "no router"
            lines.append("\(target.name) [\(target.environment)]  router \(router)")
            for service in target.services {
                let groups = service.groups.map { group in
                    let alive = group.instances.filter(\.alive).count
                    return "\(group.name) \(group.version) \(group.weight)% (\(alive)/\(group.instances.count) up, \(group.requests) req, \(group.errors) err)"
                }
                let name = "  \(service.name.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                let line = name + (groups.isEmpty ? "not running" : groups.joined(separator: " | "))
                if line.count <= width || groups.count < 2 {
                    lines.append(line)
                } else {
                    lines.append(name + groups[0])
                    lines += groups.dropFirst().map { String(repeating: " ", count: name.count) + $0 }
                }
            }
        }
        if !status.activeRollouts.isEmpty { lines.append("active rollouts: " + status.activeRollouts.joined(separator: ", ")) }
        if !status.unaccounted.isEmpty {
            lines.append(Style.red("processes no record accounts for") + " (a restart or `railyard down` stops them):")
            lines += status.unaccounted.map { "  pid \($0.pid)  \($0.label)" }
        }
        return lines.joined(separator: "\n")
    }
}

enum AnalysisText {
    /// One line per look: both groups, each metric's statistic against its boundary, the verdict.
    static func liveLine(_ live: LiveAnalysis) -> String {
        let look = live.look
        func group(_ name: String, _ counters: GroupCounters) -> String {
            let p99 = counters.latencyQuantile(0.99).map { $0.isFinite ? " p99≤\(Int($0 * 1000))ms" : " p99>max" } ?? ""
            return "\(name) \(String(format: "%.2f%%", counters.errorRate * 100)) err of \(Int(counters.requests))\(p99)"
        }
        let statistics = live.judgement.metrics.map { "\($0.metric) \(String(format: "%.2f", $0.statistic))/\(String(format: "%.2f", $0.boundary))" }
        return "\(Int(look.elapsed))s \(live.target)\(weights(live.weights)): \(group("canary", look.canary)) vs \(group("baseline", look.baseline)); "
            + statistics.joined(separator: ", ") + " → \(Style.verdict(live.judgement.verdict))"
    }

    /// ` [canary 25% baseline 25% stable 50%]`: the groups under analysis first.
    static func weights(_ weights: [String: Int]) -> String {
        guard !weights.isEmpty else { return "" }
        let order = ["canary", "baseline", "stable"]
        let names = weights.keys.sorted { (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1) }
        return " [" + names.map { "\($0) \(weights[$0]!)%" }.joined(separator: " ") + "]"
    }

    static func report(_ report: API.AnalysisReport) -> String {
        let a = report.analysis
        var lines = ["analysis \(a.id)",
                     "  rollout   \(a.rolloutID): \(a.service) \(a.canaryVersion) (canary) vs \(a.baselineVersion) (baseline) in \(a.target)",
                     "  judge     \(a.spec.judge.rawValue), α=\(a.spec.alpha)"
                         + (a.spec.judge == .sequential ? "" : ", min \(a.spec.minSamples) requests")
                         + ", every \(DurationText.format(a.spec.interval)), up to \(DurationText.format(a.spec.maxDuration))"
                         + (a.spec.maxExtension > .zero ? " and \(DurationText.format(a.spec.maxExtension)) more if undecided" : ""),
                     "  verdict   \(Style.verdict(a.verdict))" + (a.reason.map { " — \($0)" } ?? ""), "", "  metric          baseline      canary        statistic / boundary   verdict"]
        for metric in report.looks.last?.judgement.metrics ?? [] {
            lines.append("  " + metric.metric.padding(toLength: 15, withPad: " ", startingAt: 0)
                         + String(format: " %-13.4g %-13.4g %8.2f / %-10.2f  ", metric.baselineValue, metric.canaryValue, metric.statistic, metric.boundary)
                         + Style.verdict(metric.verdict))
        }
        if let late = a.lateWatch { lines += [""] + lateWatch(late) }
        lines.append("")
        lines.append("  timeline")
        for entry in report.looks {
            lines.append("    " + liveLine(LiveAnalysis(analysisID: a.id, target: a.target, look: entry.look, judgement: entry.judgement)))
        }
        return lines.joined(separator: "\n")
    }
}

extension AnalysisText {
    /// After the pass: what is still watched, how far the evidence has come against its threshold, and why it ended.
    static func lateWatch(_ state: LateWatchState) -> [String] {
        let status = state.alarmed ? "alarmed" : state.ended.map { "ended — \($0)" } ?? "watching"
        var lines = ["  after the pass: \(status)"]
        let watch = state.watch
        lines.append("    error rate  \(watch.looks) of \(watch.maxLooks) looks, evidence \(String(format: "%.1f", watch.statistic)) of "
                     + "\(String(format: "%.1f", watch.threshold)) (ratio over the tolerated \(String(format: "%.2f", watch.maxRatio))×, α=\(JudgeText.alpha(watch.alpha)))")
        if let tail = state.tail {
            lines.append("    \(tail.metric)  share slower than \(JudgeText.latency(tail.bound)): \(tail.watch.looks) of \(tail.watch.maxLooks) looks, evidence "
                         + "\(String(format: "%.1f", tail.watch.ratioEvidence)) of \(String(format: "%.1f", tail.watch.threshold)) "
                         + "(over the tolerated \(String(format: "%.2f", tail.watch.maxRatio))×, α=\(JudgeText.alpha(tail.watch.alpha)))")
        }
        if let shift = state.shift {
            lines.append("    \(shift.metric)  shift over the tolerated +\(String(format: "%.0f", shift.allowedIncrease * 100))%: \(shift.looks) of \(shift.maxLooks) looks, "
                         + "evidence \(String(format: "%.1f", shift.evidence)) of \(String(format: "%.1f", shift.threshold)) "
                         + "(for +\(String(format: "%.0f", shift.alternativeIncrease * 100))%, α=\(JudgeText.alpha(shift.alpha)))"
                         + (shift.carrier.map { "; carried by instance \($0) alone: a host, not the version, so no alarm" } ?? ""))
        }
        if state.alarmed { lines.append("    " + state.alarmReason) }
        return lines
    }
}

/// Columns padded to their widest cell.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
