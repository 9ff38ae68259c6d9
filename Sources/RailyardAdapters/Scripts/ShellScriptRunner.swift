import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RailyardPorts

/// Runs a script file with `/bin/sh` from its own folder, in its own session, output appended to
/// a log, and kills its whole process group at the timeout so a script's children do not outlive it.
public struct ShellScriptRunner: ScriptRunner {
    public init() {}

    public func run(path: String, environment: [String: String], timeout: Duration, logPath: String, owner: String? = nil,
                    label: String? = nil) async throws -> ScriptResult {
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: logPath).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        // The paths travel as positional parameters: the shell never parses them as code.
        let (status, timedOut) = try await ProcessSpawner.runToCompletion(
            arguments: ["/bin/sh", "-c", #"cd "$1" && exec /bin/sh "$2""#, "railyard-script", folder, path],
            environment: ProcessMark.environment(environment, owner: owner, label: label), logPath: logPath, timeout: timeout)
        return ScriptResult(exitCode: status, timedOut: timedOut, outputTail: LocalProcessDriver.tail(of: logPath, lines: 8))
    }
}
