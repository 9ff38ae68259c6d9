import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a script file with `/bin/sh` in its own process group, output appended to a log, and
/// kills the whole group at the timeout so a script's children do not outlive it.
public struct ShellScriptRunner: ScriptRunner {
    public init() {}

    public func run(path: String, environment: [String: String], timeout: Duration, logPath: String) async throws -> ScriptResult {
        let log = try Self.openLog(logPath)
        defer { try? log.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = ["/bin/sh", path]
        process.currentDirectoryURL = URL(fileURLWithPath: path).deletingLastPathComponent()
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let deadline = ContinuousClock.now + timeout
        var timedOut = false
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                timedOut = true
                kill(-pid, SIGKILL)
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
        return ScriptResult(exitCode: process.terminationStatus, timedOut: timedOut,
                            outputTail: LocalProcessDriver.tail(of: logPath, lines: 8))
    }

    static func openLog(_ path: String) throws -> FileHandle {
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        return handle
    }
}
