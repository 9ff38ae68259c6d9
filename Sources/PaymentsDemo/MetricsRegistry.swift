import Synchronization

/// Request counters and latency histograms for one demo process, rendered in the Prometheus text format.
///
/// Written by hand rather than with swift-prometheus: three metric families do not justify a dependency, and
/// Railyard's analysis only needs the exposition text to be standard.
final class MetricsRegistry: Sendable {
    /// Upper bounds in seconds, from a fast in-memory answer up to a request that is clearly broken.
    static let buckets: [(bound: Double, label: String)] = [
        (0.001, "0.001"), (0.0025, "0.0025"), (0.005, "0.005"), (0.01, "0.01"), (0.025, "0.025"),
        (0.05, "0.05"), (0.1, "0.1"), (0.25, "0.25"), (0.5, "0.5"), (1, "1"), (2.5, "2.5"),
    ]

    private struct RequestKey: Hashable, Comparable {
        var route: String
        var method: String
        var status: Int

        static func < (a: Self, b: Self) -> Bool {
            (a.route, a.method, a.status) < (b.route, b.method, b.status)
        }
    }

    private struct Histogram {
        /// Cumulative, as exposed: `counts[i]` observations were at most `buckets[i].bound`.
        var counts = [Int](repeating: 0, count: MetricsRegistry.buckets.count)
        var sum = 0.0
        var count = 0
    }

    private struct State {
        var requests: [RequestKey: Int] = [:]
        var durations: [String: Histogram] = [:]
    }

    private let service: String
    private let version: String
    private let state = Mutex(State())

    init(service: DemoService, version: String) {
        self.service = service.rawValue
        self.version = version
    }

    func record(route: String, method: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests[RequestKey(route: route, method: method, status: status), default: 0] += 1
            var histogram = state.durations[route] ?? Histogram()
            for (index, bucket) in Self.buckets.enumerated() where seconds <= bucket.bound {
                histogram.counts[index] += 1
            }
            histogram.sum += seconds
            histogram.count += 1
            state.durations[route] = histogram
        }
    }

    /// Exposition format 0.0.4; series are sorted so two scrapes of the same state are byte-identical.
    func render() -> String {
        let (requests, durations) = state.withLock { ($0.requests, $0.durations) }
        var lines: [String] = []

        lines.append("# HELP http_requests_total HTTP requests answered, by route, method and status.")
        lines.append("# TYPE http_requests_total counter")
        for (key, value) in requests.sorted(by: { $0.key < $1.key }) {
            let labels = Self.labels([("route", key.route), ("method", key.method), ("status", String(key.status))])
            lines.append("http_requests_total\(labels) \(value)")
        }

        lines.append("# HELP http_request_duration_seconds Time to answer an HTTP request, by route.")
        lines.append("# TYPE http_request_duration_seconds histogram")
        for (route, histogram) in durations.sorted(by: { $0.key < $1.key }) {
            for (index, bucket) in Self.buckets.enumerated() {
                let labels = Self.labels([("route", route), ("le", bucket.label)])
                lines.append("http_request_duration_seconds_bucket\(labels) \(histogram.counts[index])")
            }
            lines.append("http_request_duration_seconds_bucket\(Self.labels([("route", route), ("le", "+Inf")])) \(histogram.count)")
            lines.append("http_request_duration_seconds_sum\(Self.labels([("route", route)])) \(histogram.sum)")
            lines.append("http_request_duration_seconds_count\(Self.labels([("route", route)])) \(histogram.count)")
        }

        lines.append("# HELP demo_build_info Service and version this process runs; always 1.")
        lines.append("# TYPE demo_build_info gauge")
        lines.append("demo_build_info\(Self.labels([("service", service), ("version", version)])) 1")

        return lines.joined(separator: "\n") + "\n"
    }

    private static func labels(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// The three escapes the text format defines for label values.
    private static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
