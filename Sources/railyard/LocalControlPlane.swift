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
    private(set) var process = Process()
    /// Holds the local admin token the server wrote to the state folder.
    private(set) var client: RailyardClient
    private(set) var url: String

    /// Starts `railyard serve` and returns once it answers (it has reconciled by then).
    /// - Parameter log: where its output goes.
    /// - Parameter simulatedClock: run the server on a clock an admin moves forward (the demo's days).
    /// - Parameter nextPort: picks each try's port (tests hand it one already taken).
    init(config: String, stateDirectory: String, log: String, simulatedClock: Bool = false,
         executable: String = Defaults.executablePath, nextPort: () throws -> Int = FreePort.next) async throws {
        url = ""
        client = RailyardClient(baseURL: "http://127.0.0.1", token: nil)
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: log).deletingLastPathComponent().path, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: log, contents: nil)
        // A port free when picked can be taken before the server binds it (another program picked it too): then
        // the server exits at once, and another port is tried.
        for attempt in 1...Self.portAttempts {
            let port = try nextPort()
            url = "http://127.0.0.1:\(port)"
            client = RailyardClient(baseURL: url, token: nil)
            process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["serve", "--config", config, "--state-dir", stateDirectory, "--port", String(port)]
                + (simulatedClock ? ["--simulated-clock"] : [])
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            handle.seekToEndOfFile()
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            switch try await waitReady(stateDirectory: stateDirectory, log: log) {
            case .ready:
                return
            case .portTaken where attempt < Self.portAttempts:
                continue
            case .portTaken, .exited:
                let tail = Self.tail(of: log)
                throw RailyardClient.Failure(status: 0, message: "railyard serve exited with \(process.terminationStatus):\n\(tail)")
            }
        }
    }

    static let portAttempts = 3

    /// The log's last lines, which say why the server exited.
    static func tail(of log: String) -> String {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(5).joined(separator: "\n")
    }

    enum Start { case ready, portTaken, exited }

    /// Waits until the server answers, or exits (a port taken meanwhile told apart by its log's last lines).
    private func waitReady(stateDirectory: String, log: String) async throws -> Start {
        for _ in 0..<600 {
            // Running first: an answer from a server that took the port before ours is not ours.
            if process.isRunning, (try? await client.health()) != nil {
                // The server writes its admin token before it listens.
                client = RailyardClient(baseURL: url, token: try Credentials.read(stateDirectory + "/admin.token"))
                return .ready
            }
            guard process.isRunning else {
                let tail = Self.tail(of: log)
                return tail.contains("Address already in use") ? .portTaken : .exited
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
