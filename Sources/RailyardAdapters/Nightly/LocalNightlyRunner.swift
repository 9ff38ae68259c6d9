import Foundation
import RailyardCore
import RailyardPorts

/// The nightly port on this machine: builds and suites as local processes, run from railyard.yml's
/// folder, with their logs under the state folder.
public struct LocalNightlyRunner: NightlyRunner {
    /// railyard.yml's folder.
    public let baseDirectory: String
    /// Where build logs go.
    public let logFolder: String

    public init(baseDirectory: String, logFolder: String) {
        self.baseDirectory = baseDirectory
        self.logFolder = logFolder
    }

    public func build(_ service: ServiceSpec, version: String, at now: Date, owner: String, label: String) async throws -> ArtifactRecord {
        try await ArtifactBuilder(baseDirectory: baseDirectory, logFolder: logFolder)
            .build(service, version: version, at: now, marks: ProcessMark.environment([:], owner: owner, label: label))
    }

    public func sha256(of path: String) throws -> String? { try ArtifactBuilder.sha256(of: path)?.0 }

    public func runSuite(_ suite: SuiteSpec, folder: String, routerURL: String, reruns: Int, durations: [String: Double],
                         owner: String, label: String) async throws -> SuiteOutcome {
        try await SuiteRunner(suite: suite, folder: folder, workingDirectory: baseDirectory, routerURL: routerURL, reruns: reruns,
                              marks: ProcessMark.environment([:], owner: owner, label: label)).run(durations: durations)
    }
}
