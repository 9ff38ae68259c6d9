import RailyardCore

/// Why an instance's metrics could not be read; `description` names the URL first:
/// `http://127.0.0.1:8081/metrics: line 7: expected a value after the metric name of "x"`.
public struct ScrapeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// Not a URL the client can fetch (scheme, host).
        case invalidURL(String)
        /// Connection refused, reset, DNS… with the client's words.
        case unreachable(String)
        /// No complete answer within the timeout.
        case timedOut(Duration)
        /// Answered, but not 2xx.
        case httpStatus(Int)
        /// The body is larger than the limit, in bytes.
        case tooLarge(limit: Int)
        /// The body is not the Prometheus text format; the first malformed line.
        case malformed(PrometheusParseError)
        /// It parses, but lacks the request counter the analysis needs.
        case missingMetric(CountersExtractionError)
    }

    /// The metrics URL of the instance, e.g. `http://127.0.0.1:8081/metrics`.
    public var url: String
    public var reason: Reason

    public init(url: String, reason: Reason) {
        self.url = url
        self.reason = reason
    }

    /// Nothing answered (as opposed to an answer Railyard cannot use).
    public var isUnreachable: Bool {
        switch reason {
        case .unreachable, .timedOut: return true
        case .invalidURL, .httpStatus, .tooLarge, .malformed, .missingMetric: return false
        }
    }

    public var description: String {
        switch reason {
        case .invalidURL(let why): return "\(url): not a metrics URL (\(why))"
        case .unreachable(let why): return "\(url): cannot be reached (\(why))"
        case .timedOut(let timeout): return "\(url): no complete answer within \(timeout)"
        case .httpStatus(let status): return "\(url): answered HTTP \(status)"
        case .tooLarge(let limit): return "\(url): metrics larger than \(limit) bytes"
        case .malformed(let error): return "\(url): \(error)"
        case .missingMetric(let error): return "\(url): \(error)"
        }
    }
}
