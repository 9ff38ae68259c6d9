import Foundation

/// One nightly run of a train as stored: what started it, the artifacts it built and deployed, each
/// suite's tests, and the verdict the train's gate reads.
public struct NightlyRunRecord: Codable, Sendable, Equatable {
    public enum Trigger: Codable, Sendable, Equatable {
        /// The schedule's run of this time.
        case scheduled(Date)
        /// Started by a person.
        case manual(by: String)
        /// A merged ticket: only the suites of the services it touches.
        case change(ticket: String, services: [String])
    }

    public enum State: String, Codable, Sendable { case running, passed, failed, broken }

    public struct SuiteResult: Codable, Sendable, Equatable {
        public var name: String
        public var tests: [TestRunReport.Test]
        /// Why the suite has no usable report, if it has none.
        public var broken: String?
        public init(name: String, tests: [TestRunReport.Test], broken: String? = nil) {
            self.name = name
            self.tests = tests
            self.broken = broken
        }
    }

    public var id: String
    public var train: String?
    public var trigger: Trigger
    public var state: State
    public var startedAt: Date
    public var endedAt: Date?
    public var artifacts: [ArtifactRecord]
    public var suites: [SuiteResult]
    public var verdict: NonRegressionVerdict?

    public init(id: String, train: String?, trigger: Trigger, startedAt: Date) {
        self.id = id
        self.train = train
        self.trigger = trigger
        self.state = .running
        self.startedAt = startedAt
        self.artifacts = []
        self.suites = []
    }

    /// Every test of every suite, as one report.
    public var tests: [TestRunReport.Test] { suites.flatMap(\.tests) }
}
