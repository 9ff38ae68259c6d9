import Foundation

/// How a script run ended.
public struct ScriptResult: Sendable, Equatable {
    public var exitCode: Int32
    public var timedOut: Bool
    public var outputTail: [String]
    public var succeeded: Bool { exitCode == 0 && !timedOut }
    public init(exitCode: Int32, timedOut: Bool, outputTail: [String]) {
        self.exitCode = exitCode
        self.timedOut = timedOut
        self.outputTail = outputTail
    }
}

/// The script port: runs a pre-deployment (or rollback) script named in `railyard.yml`.
public protocol ScriptRunner: Sendable {
    /// Runs `path` to its end or its timeout, killing its whole process group at the timeout.
    /// - Parameters:
    ///   - owner, label: marks on the script's process (as `LaunchSpec` has), so a restarted Railyard
    ///     finds a script that was still running when it was killed, and stops it before re-running it.
    func run(path: String, environment: [String: String], timeout: Duration, logPath: String, owner: String?, label: String?) async throws -> ScriptResult
}
