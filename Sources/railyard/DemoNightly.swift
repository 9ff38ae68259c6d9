import Foundation
import RailyardAPI
import RailyardCore

/// The demo's nightly of train 2026.48: two runs in the day (the seed went from one non-regression
/// run a day to three), each building what the train changes, deploying it to the nightly
/// environment and running the payment fleet's suite; its flaky test is proposed for quarantine
/// after the second, and tess quarantines it. The gate then reads the newest run.
struct DemoNightly {
    let alice: RailyardClient
    let tess: RailyardClient
    let say: @Sendable (String) -> Void

    func play(train id: String) async throws {
        var report: NightlyReport?
        for _ in 1...2 {
            let started = try await alice.startNightly(train: id)
            let run = try await waitForEnd(started.id)
            report = try await alice.nightlyReport(run.id)
            say("  nightly \(run.id) (\(run.triggerText)): \(run.state.rawValue) in "
                + String(format: "%.1f s", (run.endedAt ?? run.startedAt).timeIntervalSince(run.startedAt)))
            if !run.artifacts.isEmpty {
                say("    built once, hash checked at every deploy: "
                    + run.artifacts.map { "\($0.service) \($0.version) sha256 \($0.sha256.prefix(16))…" }.joined(separator: ", "))
            }
            for suite in run.suites {
                say("    suite \(suite.name): \(NightlySummary.text(TestRunReport(tests: suite.tests)))")
                for test in suite.tests where test.flaky {
                    say("      ~ \(test.id) flaky: failed, then passed on attempt \(test.attempts) (\(test.message ?? "no message"))")
                }
            }
        }
        guard let report else { return }
        for proposal in report.proposals {
            say("  proposed for quarantine: \(proposal.test), flaky in \(proposal.flakyRuns) of the last \(proposal.window) runs")
            let entry = try await tess.quarantine(API.QuarantineRequest(test: proposal.test, reason: "the balance read races the second capture (PAY-1301)",
                                                                        owner: "dave", expiresIn: "14d"))
            say("  tess quarantines it until \(entry.expires.formatted(.iso8601)), owner \(entry.owner): it still runs and is reported")
        }
        for hint in report.links.hints { say("    \(hint.ticket): \(hint.hint)") }
        if let verdict = report.run.verdict { say("  non-regression: \(verdict.passes ? "passes" : "fails") — \(verdict.reason)") }
    }

    func waitForEnd(_ id: String) async throws -> NightlyRunRecord {
        while true {
            let run = try await alice.nightlyReport(id).run
            if run.state != .running { return run }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
