import Foundation
import RailyardCore

/// The nightly's runs and reports as people read them.
enum NightlyText {
    static func line(_ run: NightlyRunRecord) -> String {
        let state = run.state == .running ? "running (\(run.phase.rawValue))" : run.state.rawValue
        return "\(run.id)  \(state)  \(run.triggerText)  started \(run.startedAt.formatted(.iso8601))" + (run.reason.map { "\n    \($0)" } ?? "")
    }

    static func render(_ report: NightlyReport) -> String {
        let run = report.run
        var out = ["nightly \(run.id)" + (run.train.map { " of train \($0)" } ?? " of the fleet") + ": " + (run.state == .running ? "running, \(run.phase.rawValue)" : run.state.rawValue),
                   "  \(run.triggerText); started \(run.startedAt.formatted(.iso8601))" + (run.endedAt.map { ", ended \($0.formatted(.iso8601))" } ?? "")
                       + (run.resumes > 0 ? "; resumed after \(run.resumes) restart(s)" : "")]
        if !run.versions.isEmpty {
            out.append("  versions: " + run.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !run.artifacts.isEmpty {
            out.append("  artifacts (built once, hash checked at every deploy):")
            for artifact in run.artifacts {
                out.append("    \(artifact.service) \(artifact.version)  sha256 \(artifact.sha256)  \(artifact.bytes) bytes  \(artifact.path)")
            }
        }
        let trend = Dictionary(report.trend.tests.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        for suite in run.suites {
            let tests = TestRunReport(tests: suite.tests)
            out.append("  suite \(suite.name): \(NightlySummary.text(tests))" + String(format: " (%.1f s)", suite.seconds))
            if let broken = suite.broken { out.append("    broken: \(broken)") }
            for test in suite.tests {
                let mark = switch test.outcome {
                case .passed: test.flaky ? "~" : "✔"
                case .skipped: "-"
                case .failed, .error: "✘"
                }
                var line = "    \(mark) \(test.id)" + String(format: "  %.2f s", test.seconds)
                if let history = trend[test.id], history.runs > 1 {
                    line += String(format: "  pass rate %.0f%% over %d runs", history.passRate * 100, history.runs)
                        + (history.medianSeconds.map { String(format: ", median %.2f s", $0) } ?? "")
                }
                if test.flaky { line += "  flaky: passed on attempt \(test.attempts)" }
                if test.outcome == .failed || test.outcome == .error {
                    line += "  " + (test.message ?? test.outcome.rawValue)
                    if let since = trend[test.id]?.failingSince { line += " (failing since \(since))" }
                }
                out.append(line)
            }
        }
        if run.remainingSuites.count > 0, run.state == .running { out.append("  to run: " + run.remainingSuites.joined(separator: ", ")) }
        for proposal in report.proposals {
            out.append("  proposed for quarantine: \(proposal.test), flaky in \(proposal.flakyRuns) of the last \(proposal.window) runs "
                       + "(railyard nightly quarantine \(proposal.test) --reason … --owner … --for 14d)")
        }
        for entry in report.quarantine {
            out.append("  quarantined: \(entry.test) until \(entry.expires.formatted(.iso8601)), owner \(entry.owner): \(entry.reason)")
        }
        for failure in report.links.failures {
            out.append("  \(failure.test) → " + (failure.service.map { "service \($0)" } ?? "no service mapped") + (failure.tickets.isEmpty ? "" : ", tickets " + failure.tickets.joined(separator: ", ")))
        }
        for hint in report.links.hints { out.append("  \(hint.ticket): \(hint.hint)") }
        if let verdict = run.verdict {
            out.append("  gate: " + (verdict.passes ? "passes" : "fails") + " — \(verdict.reason)")
        } else if let reason = run.reason, run.state != .running {
            out.append("  gate: fails — \(reason)")
        }
        return out.joined(separator: "\n")
    }
}

enum NightlySummary {
    static func text(_ report: TestRunReport) -> String {
        "\(report.tests.count) tests: \(report.count(.passed)) passed (\(report.flaky.count) flaky), \(report.failing.count) failing, \(report.count(.skipped)) skipped"
    }
}
