import AsyncHTTPClient

extension HTTPClient {
    /// A client that reports a refused connection at once instead of retrying it until the request's
    /// deadline: a dead instance or Prometheus is named as unreachable in milliseconds, and does not
    /// cost the analysis its whole scrape timeout.
    public static let failFast: HTTPClient = {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(2)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
