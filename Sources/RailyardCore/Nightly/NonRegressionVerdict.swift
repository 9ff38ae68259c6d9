import Foundation

/// The non-regression gate of a train from a run's report: it passes when every suite produced a
/// report, some test ran, and every test failing on its last attempt is in an active quarantine.
/// Flaky tests (passed on a re-run) do not fail it; they are listed, and proposed for quarantine
/// elsewhere. Each refusal names its tests and why.
public struct NonRegressionVerdict: Codable, Sendable, Equatable {
    public var passes: Bool
    public var reason: String
    /// Failing, not quarantined: what fails the gate.
    public var failing: [String]
    /// Failing under an active quarantine: reported, not counted.
    public var quarantined: [String]
    /// Failing under a quarantine that has expired: counted again.
    public var expired: [String]
    public var flaky: [String]
    /// Suites whose run is broken (no report, malformed XML), with why.
    public var broken: [String]

    /// - Parameters:
    ///   - broken: suite name → why it has no usable report.
    public static func evaluate(report: TestRunReport, broken: [String: String] = [:], quarantine: [QuarantineEntry], now: Date) -> NonRegressionVerdict {
        let entries = Dictionary(quarantine.map { ($0.test, $0) }, uniquingKeysWith: { $0.expires > $1.expires ? $0 : $1 })
        var failing: [String] = [], quarantined: [String] = [], expired: [String] = []
        var expiredWhy: [String] = []
        for test in report.failing {
            guard let entry = entries[test.id] else { failing.append(test.id); continue }
            if entry.isActive(at: now) {
                quarantined.append(test.id)
            } else {
                expired.append(test.id)
                expiredWhy.append("\(test.id) (quarantine expired \(entry.expires.formatted(.iso8601)); owner \(entry.owner): renew it or fix the test)")
            }
        }
        let brokenLines = broken.keys.sorted().map { "\($0): \(broken[$0]!)" }
        var problems: [String] = []
        if !brokenLines.isEmpty { problems.append("broken suite run(s): " + brokenLines.joined(separator: "; ")) }
        if report.tests.isEmpty && broken.isEmpty { problems.append("no test ran") }
        if !failing.isEmpty { problems.append("\(failing.count) test(s) failing: " + failing.prefix(10).joined(separator: ", ") + (failing.count > 10 ? ", …" : "")) }
        if !expiredWhy.isEmpty { problems.append("failing under an expired quarantine: " + expiredWhy.joined(separator: "; ")) }
        let flaky = report.flaky.map(\.id)
        let reason: String
        if problems.isEmpty {
            let passed = report.count(.passed)
            reason = "\(passed) of \(report.tests.count) tests passed"
                + (flaky.isEmpty ? "" : ", \(flaky.count) of them flaky (passed on a re-run)")
                + (quarantined.isEmpty ? "" : "; \(quarantined.count) quarantined test(s) failed and do not count")
                + (report.count(.skipped) > 0 ? "; \(report.count(.skipped)) skipped" : "")
        } else {
            reason = problems.joined(separator: "; ")
        }
        return NonRegressionVerdict(passes: problems.isEmpty, reason: reason, failing: failing, quarantined: quarantined, expired: expired,
                                    flaky: flaky, broken: brokenLines)
    }
}
