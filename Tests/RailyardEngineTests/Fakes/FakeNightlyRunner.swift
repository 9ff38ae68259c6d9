import Foundation
import RailyardCore
import RailyardPorts
import Synchronization

/// Fake nightly port: builds leave an artifact whose hash a test can change afterwards (as if someone
/// rebuilt the file in place), and each suite returns the executions the test scripted for it.
final class FakeNightlyRunner: NightlyRunner {
    /// path → current sha256 of the "file" there.
    let files = Mutex<[String: String]>([:])
    /// suite → executions it reports (default: one passing test named after the suite).
    let outcomes = Mutex<[String: [TestCaseResult]]>([:])
    /// What ran, in order: "build payin 2026.48.1", "suite api".
    let calls = Mutex<[String]>([])
    let failingBuilds: Set<String>

    init(failingBuilds: Set<String> = []) { self.failingBuilds = failingBuilds }

    func build(_ service: ServiceSpec, version: String, at now: Date, owner: String, label: String) async throws -> ArtifactRecord {
        calls.withLock { $0.append("build \(service.name) \(version)") }
        if failingBuilds.contains(service.name) {
            throw BuildFailure(service: service.name, version: version, reason: "exit 2; last lines:\nerror: cannot compile", log: "")
        }
        let path = "/fake/dist/\(service.name)-\(version).tar.gz"
        let hash = String(repeating: "ab", count: 32)
        files.withLock { $0[path] = hash }
        return ArtifactRecord(service: service.name, version: version, path: path, sha256: hash, bytes: 1024, builtAt: now, seconds: 1)
    }

    func sha256(of path: String) throws -> String? { files.withLock { $0[path] } }

    func runSuite(_ suite: SuiteSpec, folder: String, routerURL: String, reruns: Int, durations: [String: Double],
                  owner: String, label: String) async throws -> SuiteOutcome {
        calls.withLock { $0.append("suite \(suite.name)") }
        let executions = outcomes.withLock { $0[suite.name] }
            ?? [TestCaseResult(suite: suite.name, classname: suite.name, name: "works", seconds: 0.5, outcome: .passed)]
        return SuiteOutcome(executions: executions, broken: nil, plan: ShardPlan.balance([], durations: [:], shards: 1), durations: [:])
    }
}
