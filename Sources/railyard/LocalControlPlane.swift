import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RailyardAdapters
import RailyardAPI

/// A `railyard serve` started by the CLI itself, as a child process on a free loopback port: the demo
/// runs on one, and `railyard down` starts one on the local state folder when no server answers.
/// The CLI still talks to it only through `RailyardClient`.
final class LocalControlPlane: @unchecked Sendable {
    let process = Process()
    /// Holds the local admin token the server wrote to the state folder.
    private(set) var client: RailyardClient
    let url: String

    /// Starts `railyard serve` and returns once it answers (it has reconciled by then).
    /// - Parameter log: where its output goes.
    /// - Parameter simulatedClock: run the server on a clock an admin moves forward (the demo's days).
    init(config: String, stateDirectory: String, log: String, simulatedClock: Bool = false) async throws {
        let port = try FreePort.next()
        url = "http://127.0.0.1:\(port)"
        client = RailyardClient(baseURL: url, token: nil)
        process.executableURL = URL(fileURLWithPath: Defaults.executablePath)
        process.arguments = ["serve", "--config", config, "--state-dir", stateDirectory, "--port", String(port)] + (simulatedClock ? ["--simulated-clock"] : [])
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: log).deletingLastPathComponent().path, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        for _ in 0..<600 {
            if (try? await client.health()) != nil {
                // The server writes its admin token before it listens.
                client = RailyardClient(baseURL: url, token: try Credentials.read(stateDirectory + "/admin.token"))
                return
            }
            guard process.isRunning else {
                let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(5).joined(separator: "\n")
                throw RailyardClient.Failure(status: 0, message: "railyard serve exited with \(process.terminationStatus):\n\(tail)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        throw RailyardClient.Failure(status: 0, message: "railyard serve did not answer on \(url) within 30 s (log: \(log))")
    }

    /// Waits for the server to exit by itself (after `down`), then makes sure it has.
    func waitForExit(timeout: Duration = .seconds(60)) async {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        stop()
    }

    /// SIGTERM: the server shuts down gracefully; its fleet keeps running (that is `down`'s job).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}
