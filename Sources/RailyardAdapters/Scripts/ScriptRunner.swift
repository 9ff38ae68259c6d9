import Foundation

/// How a script run ended.
public struct ScriptResult: Sendable, Equatable {
    public var exitCode: Int32
    public var timedOut: Bool
    public var outputTail: [String]
    public var succeeded: Bool { exitCode == 0 && !timedOut }
}

/// The script port: runs a pre-deployment (or rollback) script named in `railyard.yml`.
public protocol ScriptRunner: Sendable {
    func run(path: String, environment: [String: String], timeout: Duration, logPath: String) async throws -> ScriptResult
}

public enum ScriptRunnerFactory {
    public static func make() -> any ScriptRunner { ShellScriptRunner() }
}
