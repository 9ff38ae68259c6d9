import Foundation
import RailyardAdapters
import RailyardCore
import Testing

/// A real pytest suite run by the suite runner: listed, split into two shards, failed tests run again
/// (one passes: flaky), the next run sharded by the first run's durations; broken runs with their reason.
@Suite("Suite runner: shards, re-runs and broken runs on a real pytest suite")
struct SuiteRunnerTests {
    static let files = [
        "test_fees.py": """
            import time

            def test_slow_settlement():
                time.sleep(0.8)

            def test_rounding():
                assert round(2.675, 2) == 2.68, "fee rounded the wrong way"
            """,
        "test_wallet.py": """
            import os

            def test_balance():
                assert 100 - 40 == 60

            def test_concurrent_debit():
                # The race it documents: the first attempt loses it (no marker yet), a re-run wins.
                marker = os.path.join(os.path.dirname(__file__), "debit-lock")
                if not os.path.exists(marker):
                    open(marker, "w").close()
                    assert False, "lost the race on the wallet lock"
            """,
        "test_fx.py": """
            import os

            def test_router_given():
                assert os.environ["RAILYARD_ROUTER_URL"] == "http://127.0.0.1:9"
                assert os.environ["RAILYARD_SUITE"] == "payments"
            """,
    ]

    static let suite = SuiteSpec(
        name: "payments",
        command: ["/bin/sh", "-c", #"exec python3 -m pytest -p no:cacheprovider -q --junitxml="$RAILYARD_JUNIT" $(cat "$RAILYARD_TESTS" 2>/dev/null)"#],
        list: ["/bin/sh", "-c", "python3 -m pytest -p no:cacheprovider --collect-only -q | grep '::'"],
        shards: 2, timeout: .seconds(120))

    func folder() async throws -> String? {
        guard try await JUnitXMLReaderTests.pytest(family: "xunit2") != nil else { return nil }
        let folder = try RailyardTestFolder.make("suite-runner")
        for (name, text) in Self.files { try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        return folder
    }

    @Test func shardsRerunsAndDurations() async throws {
        guard let folder = try await folder() else { return }
        let runner = SuiteRunner(suite: Self.suite, folder: folder + "/run1", workingDirectory: folder, routerURL: "http://127.0.0.1:9", reruns: 1)
        let first = try await runner.run(durations: [:])
        #expect(first.broken == nil, "\(first.broken ?? "")")
        #expect(first.plan.shards.count == 2 && first.plan.estimated.count == 5, "no history: every test at the fallback")
        #expect(first.plan.shards.map(\.tests.count).sorted() == [2, 3])
        let report = TestRunReport(executions: first.executions)
        #expect(first.executions.count == 7, "5 tests, then the 2 that failed once more")
        #expect(report.tests.count == 5 && report.flaky.map(\.id) == ["test_wallet.test_concurrent_debit"])
        #expect(report.failing.map(\.id) == ["test_fees.test_rounding"] && report.failing.first?.attempts == 2)
        #expect(report.failing.first?.message?.contains("fee rounded the wrong way") == true)
        #expect(report.tests.first { $0.id == "test_fx.test_router_given" }?.outcome == .passed, "the suite got its environment")
        let slow = try #require(first.durations["test_fees.py::test_slow_settlement"])
        #expect(slow >= 0.7 && first.durations.count == 5)
        for shard in 1...2 { #expect(FileManager.default.fileExists(atPath: folder + "/run1/payments-shard\(shard).xml")) }

        // The next run splits by those durations: the slow test alone on one shard.
        let second = try await SuiteRunner(suite: Self.suite, folder: folder + "/run2", workingDirectory: folder, routerURL: "http://127.0.0.1:9",
                                           reruns: 0).run(durations: first.durations)
        #expect(second.plan.estimated.isEmpty)
        #expect(second.plan.shards.contains { $0.tests == ["test_fees.py::test_slow_settlement"] }, "\(second.plan.shards.map(\.tests))")
        #expect(second.executions.count == 5, "no re-run with reruns: 0")
        #expect(TestRunReport(executions: second.executions).failing.map(\.id) == ["test_fees.test_rounding"])
    }

    @Test func aShardWithoutAReportOrAFailedListIsBrokenWithWhy() async throws {
        guard let folder = try await folder() else { return }
        var crashing = Self.suite
        crashing.command = ["/bin/sh", "-c", "echo 'ImportError: no module named payments_client' >&2; exit 3"]
        let broken = try await SuiteRunner(suite: crashing, folder: folder + "/crash", workingDirectory: folder, routerURL: "http://127.0.0.1:9",
                                           reruns: 1).run(durations: [:])
        #expect(broken.broken?.contains("payments shard1 wrote no JUnit XML (exit 3): ImportError: no module named payments_client") == true,
                "\(broken.broken ?? "not broken")")
        var noList = Self.suite
        noList.list = ["/bin/sh", "-c", "echo collection error; exit 2"]
        let unlisted = try await SuiteRunner(suite: noList, folder: folder + "/nolist", workingDirectory: folder, routerURL: "http://127.0.0.1:9",
                                             reruns: 1).run(durations: [:])
        #expect(unlisted.broken == "listing the tests failed (exit 2): collection error" && unlisted.executions.isEmpty)
        var truncating = Self.suite
        truncating.command = ["/bin/sh", "-c", #"printf '<testsuites><testsuite name="x"><testcase name="a">' > "$RAILYARD_JUNIT""#]
        let cut = try await SuiteRunner(suite: truncating, folder: folder + "/cut", workingDirectory: folder, routerURL: "http://127.0.0.1:9",
                                        reruns: 0).run(durations: [:])
        #expect(cut.broken?.contains("malformed XML") == true, "\(cut.broken ?? "not broken")")
    }

    @Test func listedTestsAreTheirJUnitIDs() {
        #expect(SuiteRunner.normalized("tests/test_pay.py::TestRefund::test_partial") == "tests.test_pay.TestRefund.test_partial")
        #expect(SuiteRunner.normalized("test_fx.py::test_rate[EUR-JPY]") == "test_fx.test_rate[EUR-JPY]")
    }
}
