import Foundation
import Testing

/// `railyard junit FILE... --output json`, the interface scripts rely on, run as the built binary:
/// counts from the testcase elements (not the declared totals), a re-run's last attempt deciding,
/// Surefire's flakyFailure as a flaky pass, a negative time as 0, `status="disabled"` as skipped,
/// and a refused file named with its line, the command exiting 1.
@Suite struct JUnitCLITests {
    struct Output: Decodable {
        struct File: Decodable {
            var file: String
            var tests: Int
            var failures: Int
            var errors: Int
            var skipped: Int
            var flaky: Int
            var time_s: Double
            var error: String?
        }
        var files: [File]
    }

    @Test func countsFromTestcasesAndRefusedFilesWithTheirLine() async throws {
        let folder = try RailyardBinary.temporaryFolder("junit-cli")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Declares 99 tests and 0 failures: the counts must come from the testcases.
        try """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuite name="pay" tests="99" failures="0" errors="0" skipped="0">
              <testcase classname="pay.Payin" name="capture" time="-0.5"/>
              <testcase classname="pay.Payin" name="refund" time="0.25"><failure message="boom">trace</failure></testcase>
              <testcase classname="pay.Payin" name="refund" time="0.5"/>
              <testcase classname="pay.Payin" name="fx" time="1.0"><flakyFailure message="timeout"/></testcase>
              <testcase classname="pay.Payin" name="legacy" status="disabled"/>
              <testcase classname="pay.Payin" name="payout" time="0.75"><error message="NPE"/></testcase>
            </testsuite>
            """.write(toFile: folder + "/good.xml", atomically: true, encoding: .utf8)
        try "<?xml version=\"1.0\"?>\n<testsuite name=\"pay\">\n  <testcase classname=\"pay.X\" name=\"a\">\n"
            .write(toFile: folder + "/truncated.xml", atomically: true, encoding: .utf8)
        let run = try await CLIExitCodeTests.railyard(["junit", folder + "/good.xml", folder + "/truncated.xml", "--output", "json"])
        #expect(run.status == 1, "a refused file makes the command exit 1: \(run.err)")
        let output = try JSONDecoder().decode(Output.self, from: Data(run.out.utf8))
        let good = try #require(output.files.first)
        #expect(good.file == folder + "/good.xml" && good.error == nil)
        #expect(good.tests == 5 && good.failures == 0 && good.errors == 1 && good.skipped == 1 && good.flaky == 2,
                "refund failed then passed (flaky), fx had a flakyFailure (flaky), legacy is disabled (skipped): \(good)")
        #expect(good.time_s == 2.5, "the negative time counts as 0: \(good.time_s)")
        let truncated = try #require(output.files.last)
        #expect(truncated.tests == 0 && truncated.error?.hasPrefix(folder + "/truncated.xml:") == true, "\(truncated.error ?? "")")
        #expect(run.out.contains("\"error\" : null"), "error is present as null for a file that was read")
        let text = try await CLIExitCodeTests.railyard(["junit", folder + "/good.xml"])
        #expect(text.status == 0 && text.out.contains("5 tests, 0 failures, 1 errors, 1 skipped, 2 flaky"), "\(text.out)")
    }
}
