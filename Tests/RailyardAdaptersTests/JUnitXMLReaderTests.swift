import Foundation
import RailyardAdapters
import RailyardCore
import Testing

/// JUnit XML as real runners write it: pytest (xunit1 and xunit2, with pytest-rerunfailures) run by
/// the test itself; malformed, truncated and entity-laden files refused with their line.
@Suite("JUnit XML reader: real pytest files, reruns and flaky tests, broken and hostile files")
struct JUnitXMLReaderTests {
    static let pytestSuite = """
        import os, pytest

        def test_ok():
            print("a line of output the reader skips")

        def test_flaky():
            # The race this documents: the first attempt finds no marker and fails, the re-run passes.
            marker = os.path.join(os.path.dirname(__file__), "attempted")
            if not os.path.exists(marker):
                open(marker, "w").close()
                assert False, "first attempt fails"

        def test_fail():
            assert 1 == 2, "fee rounded the wrong way"

        def test_error(missing_fixture):
            pass

        @pytest.mark.skip(reason="not on weekends")
        def test_skip():
            pass
        """

    /// Runs pytest with one re-run per failed test; nil (with the reason printed) when pytest or
    /// pytest-rerunfailures is missing outside CI. CI installs both, and there it fails instead.
    static func pytest(family: String) async throws -> String? {
        let folder = try RailyardTestFolder.make("junit-pytest-\(family)")
        try pytestSuite.write(toFile: folder + "/test_payments.py", atomically: true, encoding: .utf8)
        let status = try await ChildProcess.run(["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--reruns", "1",
                                                 "--junitxml=\(folder)/report.xml", "-o", "junit_family=\(family)", folder + "/test_payments.py"],
                                                in: folder, log: folder + "/pytest.log")
        // pytest exits 1 when tests fail (expected here); 4 is a usage error (--reruns unknown), 1xx python missing.
        guard status == 1, FileManager.default.fileExists(atPath: folder + "/report.xml") else {
            let output = (try? String(contentsOfFile: folder + "/pytest.log", encoding: .utf8)) ?? ""
            let reason = "pytest with pytest-rerunfailures is not available (exit \(status)): \(output.suffix(300))"
            if ProcessInfo.processInfo.environment["CI"] != nil { throw TestFailure(reason) }
            print("skipped: \(reason)")
            return nil
        }
        return folder + "/report.xml"
    }

    @Test(arguments: ["xunit1", "xunit2"])
    func pytestWithReruns(family: String) async throws {
        guard let file = try await Self.pytest(family: family) else { return }
        let executions = try JUnitXMLReader.read(file: file)
        // pytest-rerunfailures writes each attempt; an attempt that was re-run shows no failure element.
        #expect(executions.map(\.name) == ["test_ok", "test_flaky", "test_flaky", "test_fail", "test_fail", "test_error", "test_error", "test_skip"])
        #expect(executions.allSatisfy { $0.classname == "test_payments" && $0.suite == "pytest" && $0.seconds >= 0 })
        let report = TestRunReport(executions: executions)
        let byName = Dictionary(uniqueKeysWithValues: report.tests.map { ($0.id, $0) })
        #expect(report.tests.count == 5)
        #expect(byName["test_payments.test_ok"]?.outcome == .passed && byName["test_payments.test_ok"]?.flaky == false)
        let flaky = try #require(byName["test_payments.test_flaky"])
        #expect(flaky.outcome == .passed && flaky.flaky && flaky.attempts == 2)
        let failed = try #require(byName["test_payments.test_fail"])
        #expect(failed.outcome == .failed && !failed.flaky && failed.attempts == 2)
        #expect(failed.message?.contains("fee rounded the wrong way") == true && failed.detail?.contains("test_payments.py") == true)
        #expect(byName["test_payments.test_error"]?.outcome == .error && byName["test_payments.test_error"]?.message?.contains("missing_fixture") == true)
        #expect(byName["test_payments.test_skip"]?.outcome == .skipped && byName["test_payments.test_skip"]?.message == "not on weekends")
        #expect(report.flaky.map(\.id) == ["test_payments.test_flaky"] && report.failing.map(\.id) == ["test_payments.test_fail", "test_payments.test_error"])
    }

    /// `swift test --parallel --xunit-output` on a small package (Fixtures/swift-suite) copied to a
    /// temporary folder: it writes the XCTest file and, beside it, the Swift Testing one.
    @Test func swiftTestWritesBothFiles() async throws {
        let folder = try RailyardTestFolder.make("junit-swift")
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/swift-suite").path
        for item in ["Package.swift", "Sources", "Tests"] { try FileManager.default.copyItem(atPath: source + "/" + item, toPath: folder + "/" + item) }
        let log = folder + "/log.txt"
        // --parallel: without it SwiftPM writes no XCTest file on Linux.
        let status = try await ChildProcess.run(["swift", "test", "--package-path", folder, "--parallel", "--xunit-output", folder + "/results.xml"],
                                                log: log)
        let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(600)
        #expect(status != 0, "the package has a failing test on purpose")

        let xctest = TestRunReport(executions: try JUnitXMLReader.read(file: folder + "/results.xml"))
        // SwiftPM's XCTest file writes a skipped test as passed, and every failure's message as "failure".
        #expect(xctest.tests.map { "\($0.id) \($0.outcome.rawValue)" }.sorted()
                == ["FeeTests.FeeXCTests.testOnePercent passed", "FeeTests.FeeXCTests.testRoundsUp failed", "FeeTests.FeeXCTests.testSkipped passed"],
                "\(tail)")
        let swiftTesting = TestRunReport(executions: try JUnitXMLReader.read(file: folder + "/results-swift-testing.xml"))
        #expect(swiftTesting.tests.map { "\($0.id) \($0.outcome.rawValue)" }.sorted()
                == ["FeeTests.FeeSwiftTests.onePercent() passed", "FeeTests.FeeSwiftTests.roundsUp() failed", "FeeTests.FeeSwiftTests.skipped() skipped"])
        let failed = try #require(swiftTesting.failing.first)
        #expect(failed.message?.contains("fee rounded the wrong way") == true)
        #expect(swiftTesting.tests.first { $0.outcome == .skipped }?.message == "not on weekends")
    }

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/junit/\(name)").path
    }

    struct Expected: Sendable, CustomStringConvertible {
        let file: String, executions: Int, passed: Int, failed: Int, errors: Int, skipped: Int, flaky: [String]
        var description: String { file }
    }

    /// Files of the runners not on this machine, kept as fixtures (see Fixtures/junit/README.md for
    /// their origin and counts): each collated into tests as its runner meant them.
    @Test(arguments: [
        Expected(file: "surefire-TEST-com.pay.PayinServiceTest.xml", executions: 6, passed: 3, failed: 1, errors: 1, skipped: 1,
                 flaky: ["com.pay.PayinServiceTest.retriesIdempotentRequest", "com.pay.PayinServiceTest.reconcilesLedger"]),
        Expected(file: "surefire-testsuites-aggregate.xml", executions: 7, passed: 4, failed: 1, errors: 1, skipped: 1, flaky: []),
        Expected(file: "gradle-TEST-com.pay.WalletTest.xml", executions: 8, passed: 4, failed: 1, errors: 0, skipped: 1,
                 flaky: ["com.pay.WalletTest.transfersBetweenWallets()"]),
        Expected(file: "jest-junit.xml", executions: 9, passed: 6, failed: 2, errors: 0, skipped: 1, flaky: []),
        Expected(file: "gotestsum-junit.xml", executions: 14, passed: 9, failed: 1, errors: 0, skipped: 1,
                 flaky: ["github.com/pay/fx.TestConvert_RoundsHalfEven"]),
    ])
    func runnersKeptAsFixtures(_ expected: Expected) throws {
        let executions = try JUnitXMLReader.read(file: Self.fixture(expected.file))
        #expect(executions.count == expected.executions)
        let report = TestRunReport(executions: executions)
        let counts = [report.count(.passed), report.count(.failed), report.count(.error), report.count(.skipped)]
        #expect(counts == [expected.passed, expected.failed, expected.errors, expected.skipped], "passed, failed, errors, skipped: \(counts)")
        #expect(report.flaky.map(\.id).sorted() == expected.flaky.sorted())
        #expect(report.failing.allSatisfy { $0.message != nil || $0.detail != nil }, "every failure says why")
    }

    @Test func surefireRerunsCountAsAttemptsAndTheirOutputIsSkipped() throws {
        let report = TestRunReport(executions: try JUnitXMLReader.read(file: Self.fixture("surefire-TEST-com.pay.PayinServiceTest.xml")))
        let byName = Dictionary(uniqueKeysWithValues: report.tests.map { ($0.id, $0) })
        #expect(byName["com.pay.PayinServiceTest.rejectsNegativeAmount"]?.attempts == 3)
        #expect(byName["com.pay.PayinServiceTest.settlesWithAcquirer"]?.attempts == 3)
        #expect(byName["com.pay.PayinServiceTest.retriesIdempotentRequest"]?.attempts == 3)
        #expect(byName["com.pay.PayinServiceTest.reconcilesLedger"].map { $0.flaky && $0.attempts == 2 } == true)
        #expect(report.tests.allSatisfy { ($0.detail ?? "").count <= 4096 })
    }

    @Test func aTruncatedFileIsBrokenWithTheParsersLineAndMessage() throws {
        let folder = try RailyardTestFolder.make("junit-broken")
        let whole = """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites>
              <testsuite name="payin" tests="2">
                <testcase classname="PayinTest" name="refund" time="0.5"/>
                <testcase classname="PayinTest" name="capture" time="0.7">
                  <failure message="boom">trace</failure>
                </testcase>
              </testsuite>
            </testsuites>
            """
        let cut = folder + "/cut.xml"
        try String(whole.prefix(whole.count - 60)).write(toFile: cut, atomically: true, encoding: .utf8)
        do {
            _ = try JUnitXMLReader.read(file: cut)
            Issue.record("a truncated file was read")
        } catch {
            #expect(error.file == cut && error.line >= 6 && error.message.hasPrefix("malformed XML"), "\(error)")
        }
        let mismatched = folder + "/mismatched.xml"
        try "<testsuite name=\"x\">\n<testcase name=\"a\">\n</testsuite>\n".write(toFile: mismatched, atomically: true, encoding: .utf8)
        #expect(throws: JUnitXMLReader.Failure.self) { try JUnitXMLReader.read(file: mismatched) }
        let notJUnit = folder + "/other.xml"
        try "<project><name>x</name></project>\n".write(toFile: notJUnit, atomically: true, encoding: .utf8)
        #expect(throws: JUnitXMLReader.Failure(file: notJUnit, line: 1, message: "no testsuites or testsuite element: not a JUnit XML file")) {
            try JUnitXMLReader.read(file: notJUnit)
        }
    }

    @Test func billionLaughsIsRefusedNeverExpanded() throws {
        let folder = try RailyardTestFolder.make("junit-laughs")
        var entities = ["<!ENTITY lol \"lol\">"]
        for level in 1...9 { entities.append("<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level == 1 ? "" : String(level - 1));", count: 10) + "\">") }
        let file = folder + "/laughs.xml"
        try """
            <?xml version="1.0"?>
            <!-- a comment before the DOCTYPE -->
            <!DOCTYPE testsuites [
            \(entities.joined(separator: "\n"))
            ]>
            <testsuites><testsuite name="x"><testcase name="t"><failure message="&lol9;"/></testcase></testsuite></testsuites>
            """.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: JUnitXMLReader.Failure(file: file, line: 3,
                                               message: "a DOCTYPE is refused: JUnit XML has none, and its entities could expand without end")) {
            try JUnitXMLReader.read(file: file)
        }
    }
}

/// A child process run to its end without holding a thread of Swift's cooperative pool (a blocking
/// wait there starves every other test's tasks: traffic, in-process controllers), at the lowest CPU
/// priority so that routers and instances under test keep theirs; output to `log`.
enum ChildProcess {
    static func run(_ arguments: [String], in folder: String? = nil, log: String) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["nice", "-n", "19"] + arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = output
        process.standardError = output
        defer { try? output.close() }
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }
}

/// A fresh folder under the temporary directory for one test's files.
enum RailyardTestFolder {
    static func make(_ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-\(name)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The merged file a run writes for other tools reads back as the same tests.
@Suite("JUnit XML writer: the merged file of a run")
struct JUnitXMLWriterTests {
    @Test func aRunWrittenAndReadBackKeepsOutcomesFlakyTestsAndMessages() throws {
        let executions = [
            TestCaseResult(suite: "payments", classname: "payments.payin", name: "capture", seconds: 1.25, outcome: .passed),
            TestCaseResult(suite: "payments", classname: "payments.payin", name: "race", seconds: 0.5, outcome: .failed, message: "lost the race"),
            TestCaseResult(suite: "payments", classname: "payments.payin", name: "race", seconds: 0.5, outcome: .passed),
            TestCaseResult(suite: "payments", classname: "payments.fx", name: "convert[EUR.JPY]", seconds: 0.1, outcome: .failed,
                           message: "1000 → 1079 \"cents\" <rounded> & off", detail: "line 1\nline 2\u{1}"),
            TestCaseResult(suite: "payments", classname: "payments.wallet", name: "refund()", seconds: 0, outcome: .skipped, message: "not today"),
            TestCaseResult(suite: "payments", classname: "FeeTests", name: "crash", seconds: 0.2, outcome: .error, message: "signal 11"),
        ]
        var run = NightlyRunRecord(id: "2026.48-n1", train: "2026.48", trigger: .manual(by: "carol"), startedAt: Date(timeIntervalSince1970: 0))
        let original = TestRunReport(executions: executions)
        run.suites = [.init(name: "payments", tests: original.tests), .init(name: "perf-smoke", tests: [], broken: "wrote no JUnit XML (exit 3)")]
        let folder = try RailyardTestFolder.make("junit-merged")
        try JUnitXMLWriter.merged(run).write(toFile: folder + "/merged.xml", atomically: true, encoding: .utf8)
        let read = TestRunReport(executions: try JUnitXMLReader.read(file: folder + "/merged.xml"))
        #expect(read.tests.map(\.id) == original.tests.map(\.id))
        #expect(read.tests.map(\.outcome) == original.tests.map(\.outcome))
        #expect(read.flaky.map(\.id) == ["payments.payin.race"])
        #expect(read.tests.first { $0.id == "payments.fx.convert[EUR.JPY]" }?.message == "1000 → 1079 \"cents\" <rounded> & off")
        #expect(read.tests.first { $0.id == "payments.fx.convert[EUR.JPY]" }?.detail == "line 1\nline 2", "a control character is dropped, not written")
    }
}
