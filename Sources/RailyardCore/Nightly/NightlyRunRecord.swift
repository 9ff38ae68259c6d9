import Foundation

/// One nightly run of a train as stored: what started it, the versions it tests, the artifacts it
/// built, each suite's tests, and the verdict the train's gate reads. Its phase is saved before the
/// work of that phase starts, so a restart knows where the run was and resumes it there.
public struct NightlyRunRecord: Codable, Sendable, Equatable {
    public enum Trigger: Codable, Sendable, Equatable {
        /// The schedule's run of this time.
        case scheduled(Date)
        /// Started by a person.
        case manual(by: String)
        /// A merged ticket: only the suites of the services it touches.
        case change(ticket: String, services: [String])

        enum CodingKeys: String, CodingKey { case kind, at, by, ticket, services }

        /// Flat, as scripts read it: `{"kind": "scheduled", "at": …}`, `{"kind": "manual", "by": …}`,
        /// `{"kind": "change", "ticket": …, "services": […]}`.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .scheduled(let at):
                try container.encode("scheduled", forKey: .kind)
                try container.encode(at, forKey: .at)
            case .manual(let by):
                try container.encode("manual", forKey: .kind)
                try container.encode(by, forKey: .by)
            case .change(let ticket, let services):
                try container.encode("change", forKey: .kind)
                try container.encode(ticket, forKey: .ticket)
                try container.encode(services, forKey: .services)
            }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch try container.decode(String.self, forKey: .kind) {
            case "scheduled": self = .scheduled(try container.decode(Date.self, forKey: .at))
            case "manual": self = .manual(by: try container.decode(String.self, forKey: .by))
            case "change": self = .change(ticket: try container.decode(String.self, forKey: .ticket),
                                          services: try container.decode([String].self, forKey: .services))
            case let kind: throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown trigger '\(kind)'")
            }
        }
    }

    public enum State: String, Codable, Sendable { case running, passed, failed, broken }

    /// Where a running run is; saved before the phase's side effects.
    public enum Phase: String, Codable, Sendable { case building, deploying, testing, finished }

    public struct SuiteResult: Codable, Sendable, Equatable {
        public var name: String
        public var tests: [TestRunReport.Test]
        /// Why the suite has no usable report, if it has none.
        public var broken: String?
        /// Seconds the suite took, shards and re-runs included.
        public var seconds: Double
        public init(name: String, tests: [TestRunReport.Test], broken: String? = nil, seconds: Double = 0) {
            self.name = name
            self.tests = tests
            self.broken = broken
            self.seconds = seconds
        }
    }

    public var id: String
    public var train: String?
    public var trigger: Trigger
    public var state: State
    public var phase: Phase
    public var startedAt: Date
    public var endedAt: Date?
    /// service → version under test.
    public var versions: [String: String]
    /// The services built for this run (those the train changes that have a `build`).
    public var builds: [String] = []
    /// The suites this run runs, in order (a change runs only those of the services it touches).
    public var plannedSuites: [String]
    public var artifacts: [ArtifactRecord]
    public var suites: [SuiteResult]
    public var verdict: NonRegressionVerdict?
    /// Why the run ended as it did (the verdict's reason, or why it is broken).
    public var reason: String?
    /// Times a restart of Railyard found it running and resumed it.
    public var resumes: Int

    public init(id: String, train: String?, trigger: Trigger, startedAt: Date, versions: [String: String] = [:], plannedSuites: [String] = []) {
        self.id = id
        self.train = train
        self.trigger = trigger
        self.state = .running
        self.phase = .building
        self.startedAt = startedAt
        self.versions = versions
        self.plannedSuites = plannedSuites
        self.artifacts = []
        self.suites = []
        self.resumes = 0
    }

    /// Every test of every suite, as one report.
    public var tests: [TestRunReport.Test] { suites.flatMap(\.tests) }
    /// The suites still to run.
    public var remainingSuites: [String] { plannedSuites.filter { name in !suites.contains { $0.name == name } } }

    /// Suite name → why it is broken.
    public var brokenSuites: [String: String] {
        Dictionary(suites.compactMap { suite in suite.broken.map { (suite.name, $0) } }, uniquingKeysWith: { $1 })
    }

    /// The run's trigger in words.
    public var triggerText: String {
        switch trigger {
        case .scheduled(let date): "scheduled at \(date.formatted(.iso8601))"
        case .manual(let by): "started by \(by)"
        case .change(let ticket, let services): "change \(ticket) (\(services.joined(separator: ", ")))"
        }
    }
}
