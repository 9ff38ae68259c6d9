import AsyncHTTPClient
import Foundation
import RailyardAPI
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// `railyard serve` as a real child process, and a small JSON client for its API.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    init(config: String, stateDirectory: String, port: Int, log: String) throws {
        self.port = port
        process.executableURL = URL(fileURLWithPath: RailyardBinary.path)
        process.arguments = ["serve", "--config", config, "--state-dir", stateDirectory, "--port", String(port)]
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    func waitReady() async throws {
        for _ in 0..<400 {
            if (try? await call("GET", "health")) != nil { return }
            if !process.isRunning { throw TestFailure("railyard serve exited with \(process.terminationStatus)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("railyard serve did not answer on \(url)")
    }

    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    @discardableResult
    func call(_ method: String, _ path: String, body: String? = nil) async throws -> [String: Any] {
        let (status, json) = try await Self.request(method, url + "/api/v1/" + path, body: body)
        guard (200..<300).contains(status) else { throw TestFailure("\(method) \(path) answered \(status): \(json)") }
        return json as? [String: Any] ?? ["items": json]
    }

    static func request(_ method: String, _ url: String, body: String? = nil) async throws -> (Int, Any) {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        request.headers.add(name: "X-Railyard-Actor", value: "test")
        if let body { request.body = .bytes(ByteBuffer(string: body)); request.headers.add(name: "Content-Type", value: "application/json") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let data = Data(bytes.readableBytesView)
        return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: data)) ?? String(decoding: data, as: UTF8.self))
    }

    /// Polls a rollout until `phase` (or a terminal phase) is reached.
    func waitForPhase(_ id: String, _ phases: Set<String>, timeout: Duration = .seconds(120)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let view = try await call("GET", "rollouts/\(id)")
            if let phase = view["phase"] as? String, phases.contains(phase) { return view }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("rollout \(id) did not reach \(phases)")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
