import Foundation

/// `nightly:` — the scheduled build and non-regression of the train in development.
public struct NightlySpec: Sendable, Equatable {
    /// Cron expressions (several runs a day allowed), read in `timeZone`.
    public var schedule: [CronSchedule]
    /// A run missed while Railyard was down: one of them runs on restart, or none.
    public enum CatchUp: String, Sendable, CaseIterable { case one, none }
    public var catchUp: CatchUp
    /// The target the train's built versions are deployed to before the suites run.
    public var environment: String
    /// How many times a failed test is run again; a test that then passes is flaky.
    public var reruns: Int
    /// A test flaky in `flakyK` of the last `flakyM` runs is proposed for quarantine.
    public var flakyK: Int
    public var flakyM: Int
    public var suites: [SuiteSpec]
    /// Test id patterns → service, to link failures to services and tickets; first match wins.
    public var owners: [Owner]

    public struct Owner: Sendable, Equatable {
        /// A test id (`classname.name`) pattern where `*` matches any run of characters.
        public var pattern: String
        public var service: String
        public init(pattern: String, service: String) {
            self.pattern = pattern
            self.service = service
        }

        public func matches(_ test: String) -> Bool { Self.glob(Array(pattern), Array(test)) }

        static func glob(_ pattern: [Character], _ text: [Character]) -> Bool {
            var p = 0, t = 0, star = -1, mark = 0
            while t < text.count {
                if p < pattern.count, pattern[p] == text[t] { p += 1; t += 1 }
                else if p < pattern.count, pattern[p] == "*" { star = p; mark = t; p += 1 }
                else if star >= 0 { p = star + 1; mark += 1; t = mark }
                else { return false }
            }
            while p < pattern.count, pattern[p] == "*" { p += 1 }
            return p == pattern.count
        }
    }

    public init(schedule: [CronSchedule] = [], catchUp: CatchUp = .one, environment: String = "nightly", reruns: Int = 1, flakyK: Int = 2,
                flakyM: Int = 5, suites: [SuiteSpec] = [], owners: [Owner] = []) {
        self.schedule = schedule
        self.catchUp = catchUp
        self.environment = environment
        self.reruns = reruns
        self.flakyK = flakyK
        self.flakyM = flakyM
        self.suites = suites
        self.owners = owners
    }

    /// The service a test belongs to, by the first owner pattern that matches.
    public func service(of test: String) -> String? { owners.first { $0.matches(test) }?.service }
}

/// A non-regression suite: a command from railyard.yml that writes JUnit XML. It runs with its
/// environment telling it where: `RAILYARD_ROUTER_URL` (the nightly router), `RAILYARD_JUNIT` (the
/// file to write), `RAILYARD_TESTS` (a file listing the tests of its shard, one per line, empty for
/// all), `RAILYARD_SHARD` and `RAILYARD_SHARD_COUNT`, `RAILYARD_RERUN` (0, then the re-run round).
public struct SuiteSpec: Sendable, Equatable {
    public var name: String
    /// Arguments; never through a shell unless the command is one.
    public var command: [String]
    /// Prints the suite's tests one per line, as the command accepts them in `RAILYARD_TESTS`; needed
    /// for more than one shard and for re-running failed tests alone.
    public var list: [String]?
    public var shards: Int
    /// The services whose change runs this suite (on every change); empty: every change.
    public var services: [String]
    public var timeout: Duration

    public init(name: String, command: [String], list: [String]? = nil, shards: Int = 1, services: [String] = [], timeout: Duration = .seconds(900)) {
        self.name = name
        self.command = command
        self.list = list
        self.shards = shards
        self.services = services
        self.timeout = timeout
    }
}
