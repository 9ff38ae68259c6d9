import AsyncHTTPClient
import Foundation
import RailyardAPI
import NIOCore
import RailyardAdapters
import RailyardCore
#if canImport(Glibc)
import Glibc
#endif

/// `railyard serve` as a real child process, and a small JSON client for its API.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let stateDirectory: String
    var url: String { "http://127.0.0.1:\(port)" }
    /// Tokens by role, made by `waitReady`: the local admin token the server wrote, alice as
    /// release-owner and bob as approver.
    private(set) var tokens: [Role: String] = [:]

    init(config: String, stateDirectory: String, port: Int, log: String) throws {
        self.port = port
        self.stateDirectory = stateDirectory
        process.executableURL = URL(fileURLWithPath: RailyardBinary.path)
        process.arguments = ["serve", "--config", config, "--state-dir", stateDirectory, "--port", String(port)]
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Waits for the server to answer, then makes the tokens the tests act with.
    func waitReady() async throws {
        for _ in 0..<400 {
            if (try? await call("GET", "health")) != nil {
                let admin = try SecretFile.read(stateDirectory + "/admin.token")
                tokens[.admin] = admin
                for (name, role) in [("alice", Role.releaseOwner), ("bob", Role.approver)] {
                    let (status, created) = try await Self.request("POST", url + "/api/v1/tokens", body: #"{"name":"\#(name)","role":"\#(role.rawValue)"}"#,
                                                                   token: admin)
                    guard status == 201, let token = (created as? [String: Any])?["token"] as? String else {
                        throw TestFailure("creating the token of \(name) answered \(status): \(created)")
                    }
                    tokens[role] = token
                }
                return
            }
            if !process.isRunning { throw TestFailure("railyard serve exited with \(process.terminationStatus)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("railyard serve did not answer on \(url)")
    }

    /// Returns once the server process has exited, polling: a blocking wait would hold a thread of
    /// the cooperative pool (two on CI) while the server stops its fleet.
    func exited(timeout: Duration = .seconds(120)) async {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
    }

    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Calls the API as `role` (alice the release owner unless said otherwise).
    @discardableResult
    func call(_ method: String, _ path: String, body: String? = nil, as role: Role = .releaseOwner) async throws -> [String: Any] {
        let (status, json) = try await Self.request(method, url + "/api/v1/" + path, body: body, token: tokens[role])
        guard (200..<300).contains(status) else { throw TestFailure("\(method) \(path) answered \(status): \(json)") }
        return json as? [String: Any] ?? ["items": json]
    }

    static func request(_ method: String, _ url: String, body: String? = nil, token: String? = nil) async throws -> (Int, Any) {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
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
