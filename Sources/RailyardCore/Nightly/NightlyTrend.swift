import Foundation

/// Each test across the last runs: how often it passed, how long it takes, and for a test failing now,
/// the first run of its current failing streak (where to look for the change that broke it).
public struct NightlyTrend: Codable, Sendable, Equatable {
    public struct Test: Codable, Sendable, Equatable {
        public var id: String
        /// Runs it ran in (of the window), and how many it passed (a flaky pass counts as a pass).
        public var runs: Int
        public var passed: Int
        public var flaky: Int
        public var passRate: Double { runs == 0 ? 0 : Double(passed) / Double(runs) }
        public var medianSeconds: Double?
        /// Its duration in the newest run.
        public var lastSeconds: Double?
        /// Failing in the newest run: the run its failing streak began in.
        public var failingSince: String?
    }

    public var window: Int
    public var tests: [Test]

    /// - Parameter runs: oldest first; the last `window` are read.
    public static func compute(runs all: [NightlyRunRecord], window: Int = 10) -> NightlyTrend {
        let runs = Array(all.suffix(max(1, window)))
        var order: [String] = []
        var history: [String: [(run: String, test: TestRunReport.Test)]] = [:]
        for run in runs {
            for test in run.tests {
                if history[test.id] == nil { order.append(test.id) }
                history[test.id, default: []].append((run.id, test))
            }
        }
        let newest = runs.last?.id
        let tests = order.map { id -> Test in
            let entries = history[id]!
            let ran = entries.filter { $0.test.outcome != .skipped }
            let failed: (TestRunReport.Test) -> Bool = { $0.outcome == .failed || $0.outcome == .error }
            var since: String?
            if let last = entries.last, last.run == newest, failed(last.test) {
                since = entries.reversed().prefix { failed($0.test) }.last?.run
            }
            return Test(id: id, runs: ran.count, passed: ran.filter { $0.test.outcome == .passed }.count, flaky: ran.filter(\.test.flaky).count,
                        medianSeconds: ran.map(\.test.seconds).median, lastSeconds: entries.last?.test.seconds, failingSince: since)
        }
        return NightlyTrend(window: runs.count, tests: tests)
    }
}
