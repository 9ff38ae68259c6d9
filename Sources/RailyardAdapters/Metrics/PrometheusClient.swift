import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A small client of Prometheus' HTTP API (`/api/v1/query`, `/api/v1/query_range`): what `PrometheusSource`
/// needs to read counters with PromQL from a Prometheus server that users already run.
public struct PrometheusClient: Sendable {
    /// e.g. `http://127.0.0.1:9090` (a path prefix such as `http://host/prometheus` is kept).
    public let baseURL: String
    private let client: HTTPClient
    private let timeout: TimeAmount

    /// A query parameter value: everything outside RFC 3986's unreserved set is percent-encoded, so PromQL's
    /// `+`, `&`, `=`, `"`, `{` and `\` reach Prometheus as written.
    private static let queryValueAllowed = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
    )

    public init(baseURL: String, httpClient: HTTPClient, timeout: TimeAmount = .seconds(10)) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.client = httpClient
        self.timeout = timeout
    }

    /// Instant query: `GET /api/v1/query?query=&time=`. Without `time`, Prometheus evaluates at its own "now".
    public func query(_ promql: String, at time: Date? = nil) async throws -> PrometheusResult {
        var parameters = [("query", promql)]
        if let time { parameters.append(("time", Self.format(seconds: time.timeIntervalSince1970))) }
        return try await get("/api/v1/query", parameters)
    }

    /// Range query: `GET /api/v1/query_range?query=&start=&end=&step=`, `step` in seconds (> 0).
    /// Prometheus answers a `matrix`.
    public func queryRange(_ promql: String, start: Date, end: Date, step: Double) async throws -> PrometheusResult {
        try await get("/api/v1/query_range", [
            ("query", promql),
            ("start", Self.format(seconds: start.timeIntervalSince1970)),
            ("end", Self.format(seconds: end.timeIntervalSince1970)),
            ("step", Self.format(seconds: step)),
        ])
    }

    /// The URL a query is sent to (also how errors name it).
    public func url(_ path: String, _ parameters: [(String, String)]) -> String {
        let query = parameters.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: Self.queryValueAllowed) ?? value)"
        }.joined(separator: "&")
        return baseURL + path + (query.isEmpty ? "" : "?" + query)
    }

    private func get(_ path: String, _ parameters: [(String, String)]) async throws -> PrometheusResult {
        let url = url(path, parameters)
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "accept", value: "application/json")
        let status: HTTPResponseStatus
        let data: Data
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = response.status
            data = Data(try await response.body.collect(upTo: 64 << 20).readableBytesView)
        } catch {
            throw PrometheusError.unreachable(url: url, reason: "\(error)")
        }
        // Prometheus answers its JSON envelope on errors too (400 bad_data, 422 execution, 503 timeout…).
        let envelope: PrometheusAPI.Envelope
        do {
            envelope = try JSONDecoder().decode(PrometheusAPI.Envelope.self, from: data)
        } catch {
            let body = String(decoding: data.prefix(2048), as: UTF8.self)
            if !(200..<300).contains(status.code) {
                throw PrometheusError.api(url: url, status: Int(status.code), errorType: nil, error: body)
            }
            throw PrometheusError.invalidAnswer(url: url, reason: "\(error); body: \(body)")
        }
        guard envelope.status == "success", (200..<300).contains(status.code) else {
            throw PrometheusError.api(
                url: url, status: Int(status.code), errorType: envelope.errorType,
                error: envelope.error ?? "status \(envelope.status)"
            )
        }
        guard let payload = envelope.data else {
            throw PrometheusError.invalidAnswer(url: url, reason: "success without data")
        }
        do {
            return try payload.result()
        } catch {
            throw PrometheusError.invalidAnswer(url: url, reason: "\(error)")
        }
    }

    /// Unix seconds as Prometheus reads them: up to millisecond precision, no exponent.
    static func format(seconds: Double) -> String {
        var text = String(format: "%.3f", seconds)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
