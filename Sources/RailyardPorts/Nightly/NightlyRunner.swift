import Foundation
import RailyardCore

/// What one suite run left: every execution (the first round's shards, then each re-run round), the
/// shard plan, the measured durations for the next plan, and why it is broken, if it is.
public struct SuiteOutcome: Sendable {
    public var executions: [TestCaseResult]
    public var broken: String?
    public var plan: ShardPlan
    /// Unit (as the suite's `list` prints it) → seconds: the next run's durations.
    public var durations: [String: Double]
    public init(executions: [TestCaseResult], broken: String?, plan: ShardPlan, durations: [String: Double]) {
        self.executions = executions
        self.broken = broken
        self.plan = plan
        self.durations = durations
    }
}

/// A build that did not leave an artifact: why, with its log's last lines.
public struct BuildFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let service: String
    public let version: String
    public let reason: String
    public let log: String
    public init(service: String, version: String, reason: String, log: String) {
        self.service = service
        self.version = version
        self.reason = reason
        self.log = log
    }
    public var description: String { "build of \(service) \(version) failed: \(reason)" }
}

/// The nightly port: builds versions into artifacts, hashes an artifact, and runs a non-regression
/// suite, each as real processes carrying `owner` and `label` (the marks of `LaunchSpec`),
/// so a restarted Railyard finds and stops what a killed one left running.
public protocol NightlyRunner: Sendable {
    /// Builds `version` of `service` with its `build` command; throws `BuildFailure`.
    func build(_ service: ServiceSpec, version: String, at now: Date, owner: String, label: String) async throws -> ArtifactRecord
    /// The sha256 of the file or folder at `path` as the build recorded it; nil when nothing is there.
    func sha256(of path: String) throws -> String?
    /// Runs a suite against `routerURL`, its reports and logs in `folder`.
    func runSuite(_ suite: SuiteSpec, folder: String, routerURL: String, reruns: Int, durations: [String: Double],
                  owner: String, label: String) async throws -> SuiteOutcome
}
