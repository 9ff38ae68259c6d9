/// Why a Prometheus query failed. Each case names the URL asked.
public enum PrometheusError: Error, CustomStringConvertible, Equatable {
    /// No HTTP answer: connection refused, timeout, DNS…
    case unreachable(url: String, reason: String)
    /// Prometheus answered an error: its `errorType` (`bad_data`, `execution`, `timeout`, …) and `error` text.
    case api(url: String, status: Int, errorType: String?, error: String)
    /// An answer that is not the Prometheus HTTP API's JSON, or not the result type the caller needs.
    case invalidAnswer(url: String, reason: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason):
            "Prometheus at \(url) is unreachable: \(reason)"
        case .api(let url, let status, let errorType, let error):
            "Prometheus at \(url) answered \(status)" + (errorType.map { " \($0)" } ?? "") + ": \(error)"
        case .invalidAnswer(let url, let reason):
            "Prometheus at \(url) gave an invalid answer: \(reason)"
        }
    }
}
