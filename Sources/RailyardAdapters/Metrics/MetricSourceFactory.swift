import AsyncHTTPClient
import Foundation
import RailyardPorts

/// Builds the `MetricSource` adapter for a source kind, like Flagger's metrics provider factory: one case per
/// backend, each in its own file (`ScrapeSource.swift`, `PrometheusSource.swift`).
public enum MetricSourceFactory {
    /// - Parameter timeout: per read of one instance (scrape) or one query (prometheus); nil takes the
    ///   backend's default (`ScrapeSource.defaultTimeout`, `PrometheusSource.defaultTimeout`).
    /// - Throws: when the kind's settings cannot work (a Prometheus URL that is not http(s) with a host).
    public static func make(
        _ kind: MetricSourceKind,
        httpClient: HTTPClient = .failFast,
        timeout: Duration? = nil
    ) throws(MetricSourceConfigError) -> any MetricSource {
        switch kind {
        case .scrape:
            return ScrapeSource(httpClient: httpClient, timeout: timeout ?? ScrapeSource.defaultTimeout)
        case .prometheus(let url):
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let host = parsed.host, !host.isEmpty
            else {
                throw MetricSourceConfigError(kind: kind, reason: "'\(url)' is not an http(s) URL, e.g. http://127.0.0.1:9090")
            }
            return PrometheusSource(url: url, httpClient: httpClient, timeout: timeout ?? PrometheusSource.defaultTimeout)
        }
    }
}

/// A metric source's settings cannot work.
public struct MetricSourceConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var kind: MetricSourceKind
    public var reason: String

    public init(kind: MetricSourceKind, reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String {
        switch kind {
        case .scrape: return "scrape metric source: \(reason)"
        case .prometheus: return "prometheus metric source: \(reason)"
        }
    }
}
