/// A suite run's results, one entry per test, after collating the executions a file lists: a test
/// listed more than once was re-run (pytest-rerunfailures, Gradle's test-retry, gotestsum
/// --rerun-fails write each attempt), so its earlier attempts failed whatever they show, and
/// its last attempt decides. A test that failed and then passed is flaky, as is one whose runner
/// recorded failed attempts before its pass (Surefire's `flakyFailure`).
public struct TestRunReport: Codable, Sendable, Equatable {
    public struct Test: Codable, Sendable, Equatable {
        public var id: String
        public var suite: String
        public var outcome: TestCaseResult.Outcome
        public var flaky: Bool
        /// How many times it ran, the runner's own reruns included.
        public var attempts: Int
        /// Seconds of its last attempt.
        public var seconds: Double
        public var message: String?
        public var detail: String?
    }

    public var tests: [Test]

    /// A report of tests already collated (a stored run's).
    public init(tests: [Test]) { self.tests = tests }

    public init(executions: [TestCaseResult]) {
        var order: [String] = []
        var byID: [String: [TestCaseResult]] = [:]
        for execution in executions {
            if byID[execution.id] == nil { order.append(execution.id) }
            byID[execution.id, default: []].append(execution)
        }
        tests = order.map { id in
            let runs = byID[id]!
            let last = runs.last!
            let failedBefore = runs.count - 1 + runs.reduce(0) { $0 + $1.failedAttempts }
            let failedEarlier = runs.dropLast().first { $0.outcome == .failed || $0.outcome == .error }
            return Test(id: id, suite: last.suite, outcome: last.outcome, flaky: last.outcome == .passed && failedBefore > 0,
                        attempts: runs.count + runs.reduce(0) { $0 + $1.failedAttempts }, seconds: last.seconds,
                        message: last.message ?? failedEarlier?.message, detail: last.detail ?? failedEarlier?.detail)
        }
    }

    public func count(_ outcome: TestCaseResult.Outcome) -> Int { tests.filter { $0.outcome == outcome }.count }
    public var flaky: [Test] { tests.filter(\.flaky) }
    /// Failed or in error on their last attempt.
    public var failing: [Test] { tests.filter { $0.outcome == .failed || $0.outcome == .error } }
}
