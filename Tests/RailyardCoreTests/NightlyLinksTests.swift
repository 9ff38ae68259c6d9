import Foundation
import RailyardCore
import Testing

/// Failures linked to services and tickets; hints for testers.
@Suite("Nightly links: failures to services and tickets, hints per ticket")
struct NightlyLinksTests {
    @Test func failuresNameTheirServiceAndTicketsAndEachTicketGetsItsHint() {
        let nightly = NightlySpec(owners: [.init(pattern: "payments.payin.*", service: "payin"), .init(pattern: "payments.fx.*", service: "fx")])
        let tickets = [
            Ticket(id: "PAY-1", title: "fee column", type: "Story", owner: "dave", services: ["payin"]),
            Ticket(id: "FX-2", title: "JPY rounding", type: "Bug", owner: "erin", services: ["fx"]),
            Ticket(id: "WAL-3", title: "wallet names", type: "Story", owner: "erin", services: ["wallet"]),
        ]
        var run = NightlyRunRecord(id: "2026.48-n2", train: "2026.48", trigger: .scheduled(Date(timeIntervalSince1970: 0)), startedAt: Date(timeIntervalSince1970: 0))
        run.suites = [.init(name: "payments", tests: TestRunReport(executions: [
            TestCaseResult(suite: "payments", classname: "payments.payin", name: "capture", seconds: 1, outcome: .failed, message: "500"),
            TestCaseResult(suite: "payments", classname: "payments.fx", name: "convert", seconds: 1, outcome: .passed),
            TestCaseResult(suite: "payments", classname: "smoke", name: "health", seconds: 1, outcome: .error, message: "timeout"),
        ]).tests)]
        let links = NightlyLinks.compute(run: run, tickets: tickets, nightly: nightly)
        #expect(links.failures == [
            .init(test: "payments.payin.capture", service: "payin", tickets: ["PAY-1"]),
            .init(test: "smoke.health", service: nil, tickets: ["PAY-1", "FX-2", "WAL-3"]),
        ])
        #expect(links.hints.map(\.hint) == [
            "failing in nightly 2026.48-n2: payments.payin.capture (payin), smoke.health",
            "failing in nightly 2026.48-n2: smoke.health",
            "failing in nightly 2026.48-n2: smoke.health",
        ])
        run.suites[0].tests.removeLast()
        let hints = NightlyLinks.compute(run: run, tickets: tickets, nightly: nightly).hints
        #expect(hints.map(\.passed) == [false, true, true])
        #expect(hints[1].hint == "passed in nightly 2026.48-n2 (1 test(s) of fx)")
        #expect(hints[2].hint == "passed in nightly 2026.48-n2 (no test is mapped to wallet)")
        run.suites.append(.init(name: "perf-smoke", tests: [], broken: "wrote no JUnit XML (exit 3)"))
        #expect(NightlyLinks.compute(run: run, tickets: tickets, nightly: nightly).hints.allSatisfy { !$0.passed && $0.hint.contains("is broken (perf-smoke)") })
    }
}
