import AsyncHTTPClient
import RailyardCore
import RailyardPorts

/// `HTTPProbe` over AsyncHTTPClient.
public struct AsyncHTTPProbe: HTTPProbe {
    let httpClient: HTTPClient
    public init(httpClient: HTTPClient = .shared) { self.httpClient = httpClient }

    public func get(_ url: String, timeout: Duration) async throws -> Int {
        let response = try await httpClient.execute(HTTPClientRequest(url: url), timeout: .nanoseconds(Int64(timeout.timeInterval * 1e9)))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}
