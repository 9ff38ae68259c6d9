import Foundation
import RailyardCore
import Testing

/// The non-regression gate from a run's report, quarantines (active and expired), broken suites; and
/// the quarantine proposals from flaky history.
@Suite("Non-regression verdict and flaky proposals")
struct NonRegressionVerdictTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    func run(_ outcomes: [(String, TestCaseResult.Outcome)], rerun: Set<String> = []) -> TestRunReport {
        var executions: [TestCaseResult] = []
        for (name, outcome) in outcomes {
            // A re-run test: a failed attempt first.
            if rerun.contains(name) { executions.append(TestCaseResult(suite: "s", classname: "Pay", name: name, seconds: 1, outcome: .failed, message: "first try")) }
            executions.append(TestCaseResult(suite: "s", classname: "Pay", name: name, seconds: 1, outcome: outcome, message: outcome == .passed ? nil : "boom"))
        }
        return TestRunReport(executions: executions)
    }
    func quarantine(_ test: String, expiresIn seconds: TimeInterval) -> QuarantineEntry {
        QuarantineEntry(test: test, reason: "race on the ledger lock", owner: "dave", expires: now.addingTimeInterval(seconds), by: "carol",
                        at: now.addingTimeInterval(-86_400))
    }

    @Test func everyTestPassingPassesAndFlakyOnesAreListed() {
        let verdict = NonRegressionVerdict.evaluate(report: run([("a", .passed), ("b", .passed), ("c", .skipped)], rerun: ["b"]), quarantine: [], now: now)
        #expect(verdict.passes && verdict.flaky == ["Pay.b"])
        #expect(verdict.reason == "2 of 3 tests passed, 1 of them flaky (passed on a re-run); 1 skipped")
    }

    @Test func aFailingTestFailsTheGateUnlessQuarantinedAndAnExpiredQuarantineCountsAgain() {
        let report = run([("a", .passed), ("b", .failed), ("c", .error)])
        let open = NonRegressionVerdict.evaluate(report: report, quarantine: [], now: now)
        #expect(!open.passes && open.failing == ["Pay.b", "Pay.c"] && open.reason == "2 test(s) failing: Pay.b, Pay.c")
        let held = NonRegressionVerdict.evaluate(report: report, quarantine: [quarantine("Pay.b", expiresIn: 3600), quarantine("Pay.c", expiresIn: 60)], now: now)
        #expect(held.passes && held.quarantined == ["Pay.b", "Pay.c"] && held.reason.contains("2 quarantined test(s) failed and do not count"))
        let later = NonRegressionVerdict.evaluate(report: report, quarantine: [quarantine("Pay.b", expiresIn: 3600), quarantine("Pay.c", expiresIn: 60)],
                                                  now: now.addingTimeInterval(60))
        #expect(!later.passes && later.expired == ["Pay.c"] && later.quarantined == ["Pay.b"])
        #expect(later.reason.contains("Pay.c (quarantine expired") && later.reason.contains("owner dave: renew it or fix the test"))
        // A renewal (a later entry for the same test) wins over the expired one.
        let renewed = NonRegressionVerdict.evaluate(report: report, quarantine: [quarantine("Pay.b", expiresIn: 3600), quarantine("Pay.c", expiresIn: 60),
                                                                                  quarantine("Pay.c", expiresIn: 7 * 86_400)], now: now.addingTimeInterval(60))
        #expect(renewed.passes)
    }

    @Test func aBrokenSuiteOrNoTestAtAllFails() {
        let broken = NonRegressionVerdict.evaluate(report: run([("a", .passed)]), broken: ["wallet": "report.xml:7: malformed XML: truncated"],
                                                   quarantine: [], now: now)
        #expect(!broken.passes && broken.reason == "broken suite run(s): wallet: report.xml:7: malformed XML: truncated")
        let empty = NonRegressionVerdict.evaluate(report: TestRunReport(executions: []), quarantine: [], now: now)
        #expect(!empty.passes && empty.reason == "no test ran")
    }

    @Test func flakyInKOfTheLastMRunsIsProposed() {
        let runs: [Set<String>] = [["old"], ["old"], ["old", "race"], [], ["race"], ["race", "once"]]
        let proposals = FlakyProposal.proposals(runs: runs, k: 2, m: 4)
        #expect(proposals == [FlakyProposal(test: "race", flakyRuns: 3, window: 4)], "old is out of the window, once is below K")
        #expect(FlakyProposal.proposals(runs: runs, k: 2, m: 4, quarantined: ["race"]).isEmpty, "already quarantined")
        #expect(FlakyProposal.proposals(runs: runs, k: 3, m: 6).map(\.test) == ["old", "race"])
    }
}
