/// A test flaky in at least K of the last M runs, proposed for quarantine (a person decides, with a
/// reason, an owner and an expiry).
public struct FlakyProposal: Codable, Sendable, Equatable {
    public var test: String
    /// Runs it was flaky in, among the last `window`.
    public var flakyRuns: Int
    public var window: Int

    public init(test: String, flakyRuns: Int, window: Int) {
        self.test = test
        self.flakyRuns = flakyRuns
        self.window = window
    }

    /// - Parameters:
    ///   - runs: each run's flaky test ids, oldest first.
    ///   - k: flaky in at least this many…
    ///   - m: …of the last this many runs.
    ///   - quarantined: tests already in an active quarantine, not proposed again.
    public static func proposals(runs: [Set<String>], k: Int, m: Int, quarantined: Set<String> = []) -> [FlakyProposal] {
        let recent = runs.suffix(max(1, m))
        var counts: [String: Int] = [:]
        for run in recent { for test in run { counts[test, default: 0] += 1 } }
        return counts.filter { $0.value >= k && !quarantined.contains($0.key) }
            .map { FlakyProposal(test: $0.key, flakyRuns: $0.value, window: recent.count) }
            .sorted { $0.flakyRuns != $1.flakyRuns ? $0.flakyRuns > $1.flakyRuns : $0.test < $1.test }
    }
}
