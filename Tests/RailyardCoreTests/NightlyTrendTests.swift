import Foundation
import RailyardCore
import Testing

/// Trends over runs: pass rate, durations, the run a failing streak began in.
@Suite("Nightly trend: pass rate, durations, failing since")
struct NightlyTrendTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func run(_ id: String, _ outcomes: [(String, TestCaseResult.Outcome, Double)], rerun: Set<String> = []) -> NightlyRunRecord {
        var executions: [TestCaseResult] = []
        for (name, outcome, seconds) in outcomes {
            if rerun.contains(name) { executions.append(TestCaseResult(suite: "payments", classname: "payments.payin", name: name, seconds: seconds, outcome: .failed)) }
            executions.append(TestCaseResult(suite: "payments", classname: "payments.payin", name: name, seconds: seconds, outcome: outcome,
                                             message: outcome == .passed ? nil : "boom in \(id)"))
        }
        var record = NightlyRunRecord(id: id, train: "2026.48", trigger: .scheduled(start), startedAt: start)
        record.suites = [.init(name: "payments", tests: TestRunReport(executions: executions).tests)]
        return record
    }

    @Test func passRatesDurationsAndTheRunAFailureBeganIn() {
        let runs = [
            run("n1", [("capture", .passed, 1), ("refund", .failed, 2), ("race", .passed, 1)]),
            run("n2", [("capture", .passed, 3), ("refund", .passed, 2), ("race", .passed, 1)], rerun: ["race"]),
            run("n3", [("capture", .failed, 2), ("refund", .passed, 2), ("race", .skipped, 0)]),
            run("n4", [("capture", .error, 5), ("refund", .passed, 2), ("race", .passed, 1)], rerun: ["race"]),
        ]
        let trend = NightlyTrend.compute(runs: runs)
        let byID = Dictionary(uniqueKeysWithValues: trend.tests.map { ($0.id, $0) })
        let capture = byID["payments.payin.capture"]!
        #expect(capture.runs == 4 && capture.passed == 2 && capture.passRate == 0.5 && capture.failingSince == "n3")
        #expect(capture.medianSeconds == 2.5 && capture.lastSeconds == 5)
        #expect(byID["payments.payin.refund"]?.failingSince == nil && byID["payments.payin.refund"]?.passRate == 0.75, "passing now")
        let race = byID["payments.payin.race"]!
        #expect(race.runs == 3 && race.flaky == 2 && race.passRate == 1, "a skip is not a run; a flaky pass is a pass")
        #expect(NightlyTrend.compute(runs: runs, window: 2).tests.first { $0.id == "payments.payin.capture" }?.runs == 2)
    }
}
