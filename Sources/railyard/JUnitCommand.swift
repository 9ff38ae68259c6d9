import ArgumentParser
import Foundation
import RailyardAdapters
import RailyardCore

/// `railyard junit FILE...`: reads JUnit XML files as the nightly does, on this machine, no server.
struct JUnitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "junit", abstract: "Read JUnit XML files as the nightly does: counts per file, or why a file is refused.",
        discussion: """
            Counts come from the testcase elements, never from a producer's declared totals. A test listed more \
            than once was re-run (pytest-rerunfailures, Gradle test-retry, gotestsum --rerun-fails): its last \
            attempt decides, and one that passed after a failure is flaky, as is Surefire's flakyFailure or \
            flakyError without a final failure. A negative time counts as 0; status="disabled" or "notrun" is \
            skipped. A DOCTYPE is refused (never expanded), and a malformed or truncated file is refused with \
            its line. Exits 1 when any file is refused.

            --output json prints {"files": [{"file", "tests", "failures", "errors", "skipped", "flaky", "time_s", "error"}]}.

            Example:
              railyard junit target/surefire-reports/*.xml
              railyard junit report.xml --output json
            """)
    @Argument(help: "JUnit XML files.") var files: [String]
    @Option(help: "text for people, json for scripts.") var output: OutputFormat = .text

    struct FileSummary: Codable {
        var file: String
        var tests: Int
        var failures: Int
        var errors: Int
        var skipped: Int
        var flaky: Int
        var timeS: Double
        var error: String?

        enum CodingKeys: String, CodingKey {
            case file, tests, failures, errors, skipped, flaky
            case timeS = "time_s"
            case error
        }

        /// `error` stays in the output as null when the file was read.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(file, forKey: .file)
            try container.encode(tests, forKey: .tests)
            try container.encode(failures, forKey: .failures)
            try container.encode(errors, forKey: .errors)
            try container.encode(skipped, forKey: .skipped)
            try container.encode(flaky, forKey: .flaky)
            try container.encode(timeS, forKey: .timeS)
            try container.encode(error, forKey: .error)
        }
    }

    static func summary(of file: String) -> FileSummary {
        do {
            let executions = try JUnitXMLReader.read(file: file)
            let report = TestRunReport(executions: executions)
            return FileSummary(file: file, tests: report.tests.count, failures: report.count(.failed), errors: report.count(.error),
                               skipped: report.count(.skipped), flaky: report.flaky.count,
                               timeS: (executions.reduce(0) { $0 + max(0, $1.seconds) } * 1000).rounded() / 1000, error: nil)
        } catch {
            return FileSummary(file: file, tests: 0, failures: 0, errors: 0, skipped: 0, flaky: 0, timeS: 0, error: error.description)
        }
    }

    func run() async throws {
        let summaries = files.map(Self.summary(of:))
        if output == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(["files": summaries]), as: UTF8.self))
        } else {
            for summary in summaries {
                if let error = summary.error {
                    print("✘ \(summary.file): refused: \(error)")
                } else {
                    print("\(summary.failures + summary.errors == 0 ? "✔" : "✘") \(summary.file): \(summary.tests) tests, \(summary.failures) failures, "
                          + "\(summary.errors) errors, \(summary.skipped) skipped, \(summary.flaky) flaky, " + String(format: "%.3f s", summary.timeS))
                }
            }
        }
        if summaries.contains(where: { $0.error != nil }) { throw ExitCode(1) }
    }
}
