import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RailyardPorts

/// `TrafficRouter` adapter for the built-in router: speaks its admin API over HTTP.
public struct BuiltInRouter: TrafficRouter {
    public let adminURL: String
    /// How errors name the router; the router's own name from its answers wins when it gives one.
    public let name: String
    private let client: HTTPClient
    private let timeout: TimeAmount
    private let healthTimeout: TimeAmount

    /// A service name is one path segment: "/" must be escaped too.
    private static let segmentAllowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))

    /// - Parameters:
    ///   - adminURL: e.g. `http://127.0.0.1:9001`.
    ///   - name: how to call this router in errors until it names itself; defaults to the URL.
    public init(
        adminURL: String,
        httpClient: HTTPClient,
        name: String? = nil,
        timeout: TimeAmount = .seconds(10),
        healthTimeout: TimeAmount = .seconds(1)
    ) {
        self.adminURL = adminURL.hasSuffix("/") ? String(adminURL.dropLast()) : adminURL
        self.name = name ?? self.adminURL
        self.client = httpClient
        self.timeout = timeout
        self.healthTimeout = healthTimeout
    }

    public func apply(service: String, groups: [BackendGroup]) async throws {
        let body = try JSONEncoder().encode(RouterAdminAPI.ApplyBody(groups: groups))
        let path = "/services/" + (service.addingPercentEncoding(withAllowedCharacters: Self.segmentAllowed) ?? service)
        _ = try await call(.PUT, path, body: body, as: RouterSnapshot.self)
    }

    public func snapshot() async throws -> RouterSnapshot {
        try await call(.GET, "/state", body: nil, as: RouterSnapshot.self)
    }

    public func isAlive() async -> Bool {
        var request = HTTPClientRequest(url: adminURL + "/health")
        request.method = .GET
        do {
            let response = try await client.execute(request, timeout: healthTimeout)
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return response.status == .ok
        } catch {
            return false
        }
    }

    private func call<Answer: Decodable>(
        _ method: HTTPMethod, _ path: String, body: Data?, as: Answer.Type
    ) async throws -> Answer {
        let url = adminURL + path
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let status: HTTPResponseStatus
        let data: Data
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = response.status
            data = Data(try await response.body.collect(upTo: 16 << 20).readableBytesView)
        } catch {
            throw RouterError.unreachable(router: name, url: url, reason: "\(error)")
        }
        guard (200..<300).contains(status.code) else {
            let answer = try? JSONDecoder().decode(RouterJSON.ErrorBody.self, from: data)
            let reason = answer?.error ?? String(decoding: data.prefix(2048), as: UTF8.self)
            throw RouterError.rejected(router: answer?.router ?? name, url: url, status: Int(status.code), reason: reason)
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: data)
        } catch {
            throw RouterError.invalidAnswer(router: name, url: url, reason: "\(error)")
        }
    }
}
