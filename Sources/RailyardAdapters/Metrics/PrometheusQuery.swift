import RailyardCore

/// The PromQL `PrometheusSource` sends: a group's requests, errors and latency buckets, selected by the
/// instance label and the extractor's metric names and routes.
public struct PrometheusQuery: Sendable, Equatable {
    /// `sum(requests{instance=~…,route=~…,route!~…})`
    public var requests: String
    /// `sum(requests{instance=~…,route=~…,status=~"5.*"})`: statuses starting with 5, as `CountersExtractor` counts.
    public var errors: String
    /// `sum by (le) (latency_bucket{instance=~…,route=~…})`; nil when the extractor reads no latency.
    public var latencyBuckets: String?
    /// `sum(latency_count{…})`: the `+Inf` bucket when an exporter writes none.
    public var latencyCount: String?
    /// `up{instance=~…}`: which of the instances Prometheus scrapes, and whether the last scrape worked.
    public var up: String
    /// Requests, errors and the extractor's named counters kept apart by instance (`sum by (instance) (…)`),
    /// so that one instance's restart shows as that instance going back (`GroupCounters.instances`). A named
    /// counter sums every series of its name, with no route matcher: a business counter has no route.
    public var requestsByInstance = ""
    public var errorsByInstance = ""
    public var namedCountersByInstance: [String: String] = [:]
    /// `sum by (instance, le) (latency_bucket{…})`: each instance's histogram, so that one slow instance is
    /// told apart from a slow version; nil when the extractor reads no latency.
    public var latencyBucketsByInstance: String?
    /// The extractor's named histograms by instance: `sum by (instance, le) (name_bucket{instance=~…})`, every
    /// series of the name whatever its labels (a business histogram has no route).
    public var namedHistogramsByInstance: [String: String] = [:]

    /// - Parameters:
    ///   - instances: values of `instanceLabel`, e.g. `127.0.0.1:4001`; matched exactly (regex metacharacters
    ///     escaped). Must not be empty.
    ///   - instanceLabel: the label naming an instance, `instance` in a standard Prometheus setup.
    public init(instances: [String], extractor: CountersExtractor, instanceLabel: String = "instance") throws(PrometheusQueryError) {
        guard !instances.isEmpty else { throw .noInstances }
        for name in [extractor.requestsMetric] + (extractor.latencyMetric.map { [$0] } ?? []) + extractor.namedCounters + extractor.namedHistograms {
            guard Self.isMetricName(name) else { throw .invalidMetricName(name) }
        }
        guard Self.isLabelName(instanceLabel) else { throw .invalidLabelName(instanceLabel) }

        var matchers = ["\(instanceLabel)=~\(Self.literal(Self.alternation(instances)))"]
        if !extractor.routes.isEmpty {
            matchers.append("route=~\(Self.literal(Self.alternation(extractor.routes.sorted())))")
        }
        if !extractor.excludedRoutes.isEmpty {
            matchers.append("route!~\(Self.literal(Self.alternation(extractor.excludedRoutes.sorted())))")
        }
        let selector = "{" + matchers.joined(separator: ",") + "}"
        requests = "sum(\(extractor.requestsMetric)\(selector))"
        let errorSelector = "{" + (matchers + [#"status=~"5.*""#]).joined(separator: ",") + "}"
        errors = "sum(\(extractor.requestsMetric)\(errorSelector))"
        if let latency = extractor.latencyMetric {
            latencyBuckets = "sum by (le) (\(latency)_bucket\(selector))"
            latencyCount = "sum(\(latency)_count\(selector))"
        } else {
            latencyBuckets = nil
            latencyCount = nil
        }
        up = "up{\(matchers[0])}"
        requestsByInstance = "sum by (\(instanceLabel)) (\(extractor.requestsMetric)\(selector))"
        errorsByInstance = "sum by (\(instanceLabel)) (\(extractor.requestsMetric)\(errorSelector))"
        for name in extractor.namedCounters { namedCountersByInstance[name] = "sum by (\(instanceLabel)) (\(name){\(matchers[0])})" }
        latencyBucketsByInstance = extractor.latencyMetric.map { "sum by (\(instanceLabel), le) (\($0)_bucket\(selector))" }
        for name in extractor.namedHistograms { namedHistogramsByInstance[name] = "sum by (\(instanceLabel), le) (\(name)_bucket{\(matchers[0])})" }
    }

    /// RE2 matching exactly one of `values`: each escaped, joined by `|`. (Prometheus anchors label regexes.)
    public static func alternation(_ values: [String]) -> String {
        values.map(escapeRegex).joined(separator: "|")
    }

    /// Escapes RE2's metacharacters so `value` matches itself only: `127.0.0.1:4001` → `127\.0\.0\.1:4001`.
    public static func escapeRegex(_ value: String) -> String {
        var escaped = ""
        for character in value {
            if #"\.+*?()|[]{}^$"#.contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// A PromQL double-quoted string literal (Go escapes): `a\.b` → `"a\\.b"`.
    public static func literal(_ value: String) -> String {
        var quoted = "\""
        for character in value {
            switch character {
            case "\\": quoted += "\\\\"
            case "\"": quoted += "\\\""
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            default: quoted.append(character)
            }
        }
        return quoted + "\""
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == ":" }
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }
}

/// A query `PrometheusQuery` refuses to build.
public enum PrometheusQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    case noInstances
    case invalidMetricName(String)
    case invalidLabelName(String)

    public var description: String {
        switch self {
        case .noInstances: "no instances to select in Prometheus"
        case .invalidMetricName(let name): "\"\(name)\" is not a Prometheus metric name"
        case .invalidLabelName(let name): "\"\(name)\" is not a Prometheus label name"
        }
    }
}

private extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
