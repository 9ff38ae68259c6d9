/// Where an analysis reads its metrics.
public enum MetricSourceKind: Sendable, Equatable, Codable {
    /// The embedded default: each instance's metrics endpoint, read directly (`ScrapeSource`).
    case scrape
    /// PromQL against a Prometheus server users already run, at `url` (e.g. `http://127.0.0.1:9090`).
    case prometheus(url: String)
}
