/// Turns what a group's instances expose into the `GroupCounters` a judge compares. Pure.
///
/// - requests: every sample named `requestsMetric` (a counter, e.g. `http_requests_total{route,method,status}`),
///   summed over all labels; errors are those whose `status` label starts with `5`.
/// - latency: the `latencyMetric` histogram's `_bucket` samples, summed per `le` across every other label and
///   every instance, ascending, `+Inf` last. Series whose bucket layouts differ are merged on the union of
///   bounds, each series counting at a bound what it counted at its largest bound below or at it (a lower bound
///   of the truth, and still cumulative). Without any `+Inf` bucket, the `_count` samples stand in for it.
/// - routes: when not empty, only samples whose `route` label is one of them count, for both metrics;
///   samples whose `route` is in `excludedRoutes` never count (Railyard's own scrapes and health probes).
///
/// Exposed as the bundled payment fleet does (`Sources/PaymentsDemo/MetricsRegistry.swift`).
public struct CountersExtractor: Sendable, Equatable, Codable {
    /// The request counter's sample name.
    public var requestsMetric: String
    /// The latency histogram's family name (its samples are `<name>_bucket`, `_sum`, `_count`); nil reads no latency.
    public var latencyMetric: String?
    /// Routes (`route` label values) to judge; empty means all.
    public var routes: Set<String>
    /// Routes never judged: Railyard's own requests to an instance are not customer traffic.
    public var excludedRoutes: Set<String>
    /// The service's own counters to read too (`GroupCounters.counters`), by sample name: every series of
    /// that name summed, whatever its labels (a business counter has no route).
    public var namedCounters: [String] = []
    /// The service's own histograms to read too (`GroupCounters.histograms`), by family name: every
    /// `<name>_bucket` series summed per `le`, whatever its labels, merged as the latency is.
    public var namedHistograms: [String] = []

    public init(requests: String = "http_requests_total", latency: String? = "http_request_duration_seconds", routes: Set<String> = [],
                excludedRoutes: Set<String> = []) {
        self.requestsMetric = requests
        self.latencyMetric = latency
        self.routes = routes
        self.excludedRoutes = excludedRoutes
    }

    /// The same extractor, ignoring `service`'s metrics and health paths too: every look scrapes the
    /// first and status checks probe the second, and counted as requests they would give an idle canary
    /// traffic it never served. (Smoke paths may be business routes, so they still count.)
    public func ignoringProbes(of service: ServiceSpec) -> CountersExtractor {
        var copy = self
        copy.excludedRoutes.formUnion([service.metricsPath, service.healthPath])
        return copy
    }

    public static let `default` = CountersExtractor()

    /// The same extractor, reading `names` too.
    public func reading(counters names: [String]) -> CountersExtractor {
        var copy = self
        for name in names where !copy.namedCounters.contains(name) { copy.namedCounters.append(name) }
        return copy
    }

    /// The same extractor, reading the histograms `names` too.
    public func reading(histograms names: [String]) -> CountersExtractor {
        var copy = self
        for name in names where !copy.namedHistograms.contains(name) { copy.namedHistograms.append(name) }
        return copy
    }

    /// One instance's counters.
    public func counters(from families: [MetricFamily]) throws(CountersExtractionError) -> GroupCounters {
        try counters(instances: [families])
    }

    /// A group's counters: the sum over its instances (one exposition each).
    ///
    /// Throws when an instance declares no `requestsMetric` at all (neither a family nor a sample of that name),
    /// which means a wrong metric name or a wrong endpoint rather than no traffic; `instance` is its index.
    /// A declared family without samples (no request served yet) counts zero. With `addresses` (one per
    /// exposition), each instance's own requests, errors and named counters are kept too (`instances`).
    public func counters(instances: [[MetricFamily]], addresses: [String] = []) throws(CountersExtractionError) -> GroupCounters {
        var counters = GroupCounters()
        // Each instance's own latency series and `_count`, summed below, and read at the group's bounds.
        var ownLatency: [HistogramRead] = []
        for (instance, families) in instances.enumerated() {
            var declared = false
            var own = InstanceCounters(counters: Dictionary(uniqueKeysWithValues: namedCounters.map { ($0, 0.0) }))
            for family in families {
                if family.name == requestsMetric { declared = true }
                for sample in family.samples where !namedCounters.isEmpty && namedCounters.contains(sample.name) {
                    own.counters[sample.name, default: 0] += sample.value
                }
                for sample in family.samples where counts(sample) {
                    if sample.name == requestsMetric {
                        declared = true
                        own.requests += sample.value
                        if sample.labels["status"]?.hasPrefix("5") == true { own.errors += sample.value }
                    }
                }
            }
            counters.requests += own.requests
            counters.errors += own.errors
            counters.counters.merge(own.counters, uniquingKeysWith: +)
            if addresses.count == instances.count { counters.instances[addresses[instance]] = own }
            guard declared else {
                throw CountersExtractionError(instance: instance, metric: requestsMetric, available: families.map(\.name))
            }
            guard let latencyMetric else { continue }
            ownLatency.append(Self.histogram(latencyMetric, in: families, where: counts))
        }
        let latency = Self.sum(ownLatency)
        counters.latencyBuckets = latency.group
        for name in namedHistograms {
            let each = Self.sum(instances.map { Self.histogram(name, in: $0) })
            guard !each.group.isEmpty else { continue }
            counters.histograms[name] = each.group
            guard addresses.count == instances.count else { continue }
            for (instance, counts) in each.perInstance.enumerated() { counters.instances[addresses[instance]]?.histograms[name] = counts }
        }
        if addresses.count == instances.count, ownLatency.count == instances.count, !latency.group.isEmpty {
            for (instance, counts) in latency.perInstance.enumerated() { counters.instances[addresses[instance]]?.latency = counts }
        }
        return counters
    }

    typealias HistogramRead = (series: [[LatencyBucket]], count: Double, sawInfinity: Bool)

    /// Instances' histograms summed on the union of their bounds, their `_count` standing in for a `+Inf` bucket
    /// none of them writes; and each instance's cumulative counts at those bounds. Empty when none has any.
    static func sum(_ each: [HistogramRead]) -> (group: [LatencyBucket], perInstance: [[Double]]) {
        var group = merge(each.flatMap(\.series))
        let count = each.reduce(0) { $0 + $1.count }
        let appendInfinity = !each.contains(where: \.sawInfinity) && (count > 0 || !group.isEmpty)
        if appendInfinity { group.append(LatencyBucket(le: .infinity, count: count)) }
        let bounds = group.map(\.le)
        let perInstance = each.map { own in
            merge(own.series, at: appendInfinity ? Array(bounds.dropLast()) : bounds).map(\.count) + (appendInfinity ? [own.count] : [])
        }
        return (group, perInstance)
    }

    /// One exposition's `name` histogram, over the samples `counts` keeps: its series (one per label set other
    /// than `le`, in order of appearance), its `_count` summed, and whether any series has a `+Inf` bucket. By
    /// default every sample counts: a business histogram has no route.
    static func histogram(_ name: String, in families: [MetricFamily], where counts: (MetricSample) -> Bool = { _ in true })
        -> HistogramRead {
        var bySeries: [[String: String]: [LatencyBucket]] = [:]
        var order: [[String: String]] = []
        var count = 0.0, sawInfinity = false
        for family in families {
            for sample in family.samples where counts(sample) {
                if sample.name == name + "_count" { count += sample.value }
                guard sample.name == name + "_bucket", let le = sample.labels["le"].flatMap({ PrometheusText.parseValue(Substring($0)) }), !le.isNaN else { continue }
                if le == .infinity { sawInfinity = true }
                var key = sample.labels
                key["le"] = nil
                if bySeries[key] == nil { order.append(key) }
                bySeries[key, default: []].append(LatencyBucket(le: le, count: sample.value))
            }
        }
        return (order.compactMap { bySeries[$0] }, count, sawInfinity)
    }

    private func counts(_ sample: MetricSample) -> Bool {
        let route = sample.labels["route"]
        if let route, excludedRoutes.contains(route) { return false }
        return routes.isEmpty || route.map(routes.contains) == true
    }

    /// Sums cumulative histograms bound by bound over the union of their bounds (or at `given` bounds).
    public static func merge(_ series: [[LatencyBucket]], at given: [Double]? = nil) -> [LatencyBucket] {
        let sorted = series.map { $0.sorted { $0.le < $1.le } }
        let bounds = given ?? Set(sorted.flatMap { $0.map(\.le) }).sorted()
        return bounds.map { bound in
            var total = 0.0
            for buckets in sorted {
                // The count at the largest bound ≤ `bound` (0 below the series' first bound).
                total += buckets.last { $0.le <= bound }?.count ?? 0
            }
            return LatencyBucket(le: bound, count: total)
        }
    }
}
