import AsyncHTTPClient
import Foundation
import NIOCore
import RailyardCore
import RailyardPorts

/// The metric source for users who already run Prometheus: reads a group's counters with PromQL, selecting the
/// group's instances by their `instance` label (`host:port`, as a static scrape config names targets).
///
/// The counters are those `CountersExtractor` computes from the instances' expositions (the same metric names,
/// routes, and errors as statuses starting with 5, each instance's requests, errors and named counters kept
/// apart with `sum by (instance)`), but summed by Prometheus from what it last scraped, so they
/// lag the instances by up to one scrape interval. Latency buckets are summed per `le`, which equals the
/// extractor's merge when the instances share one bucket layout (the usual case).
///
/// Before trusting a sum, it checks `up` for each instance: one Prometheus does not scrape, or fails to scrape,
/// is an error naming it, as an unreachable instance is for `ScrapeSource` (a sum without it would silently
/// drop its counters).
public struct PrometheusSource: MetricSource {
    public static let defaultTimeout: Duration = .seconds(10)

    public let client: PrometheusClient
    /// The label naming an instance; `instance` in a standard setup.
    public let instanceLabel: String
    /// Whether `read` checks `up` for each instance first.
    public let checkTargets: Bool

    /// - Parameter url: Prometheus' base URL, e.g. `http://127.0.0.1:9090`.
    public init(
        url: String,
        httpClient: HTTPClient = .failFast,
        timeout: Duration = PrometheusSource.defaultTimeout,
        instanceLabel: String = "instance",
        checkTargets: Bool = true
    ) {
        self.client = PrometheusClient(baseURL: url, httpClient: httpClient, timeout: TimeAmount(timeout))
        self.instanceLabel = instanceLabel
        self.checkTargets = checkTargets
    }

    /// `metricsPath` is not used: Prometheus scrapes the path its own configuration names.
    public func read(
        instances: [String], metricsPath: String, extractor: CountersExtractor
    ) async throws -> RailyardCore.GroupCounters {
        try await read(instances: instances, extractor: extractor, at: nil)
    }

    /// The group's counters as Prometheus evaluates them at `time` (its own "now" when nil).
    public func read(
        instances: [String], extractor: CountersExtractor, at time: Date?
    ) async throws -> RailyardCore.GroupCounters {
        guard !instances.isEmpty else { return .zero }
        let query = try makeQuery(instances, extractor)

        async let targets: Void = checkTargets ? checkUp(instances, query: query, at: time) : ()
        async let requests = client.query(query.requestsByInstance, at: time)
        async let errors = client.query(query.errorsByInstance, at: time)
        async let buckets = optionally(query.latencyBuckets) { try await client.query($0, at: time) }
        async let bucketsByInstance = optionally(query.latencyBucketsByInstance) { try await client.query($0, at: time) }
        try await targets

        // Kept apart by instance, as the scrape source keeps them (a restart shows as one going back), and summed.
        var own = Dictionary(instances.map {
            ($0, InstanceCounters(counters: Dictionary(extractor.namedCounters.map { ($0, 0.0) }, uniquingKeysWith: { first, _ in first })))
        }, uniquingKeysWith: { first, _ in first })
        for sample in try await requests.vector() { if let name = sample.labels[instanceLabel] { own[name]?.requests += sample.point.value } }
        for sample in try await errors.vector() { if let name = sample.labels[instanceLabel] { own[name]?.errors += sample.point.value } }
        for (counter, promql) in query.namedCountersByInstance.sorted(by: { $0.key < $1.key }) {
            for sample in try await client.query(promql, at: time).vector() {
                if let name = sample.labels[instanceLabel] { own[name]?.counters[counter, default: 0] += sample.point.value }
            }
        }
        // The service's own histograms: each instance's, and their sum on the union of bounds.
        var histograms: [String: [LatencyBucket]] = [:]
        for (name, promql) in query.namedHistogramsByInstance.sorted(by: { $0.key < $1.key }) {
            var samples: [String: [(String?, Double)]] = [:]
            for sample in try await client.query(promql, at: time).vector() {
                if let instance = sample.labels[instanceLabel], own[instance] != nil { samples[instance, default: []].append((sample.labels["le"], sample.point.value)) }
            }
            guard !samples.isEmpty else { continue }
            let each = samples.mapValues { Self.buckets($0) }
            let merged = CountersExtractor.merge(Array(each.values))
            histograms[name] = merged
            for (instance, buckets) in each { own[instance]?.histograms[name] = CountersExtractor.merge([buckets], at: merged.map(\.le)).map(\.count) }
        }
        var counters = RailyardCore.GroupCounters(instances: own, histograms: histograms)
        for instance in own.values {
            counters.requests += instance.requests
            counters.errors += instance.errors
            counters.counters.merge(instance.counters, uniquingKeysWith: +)
        }
        if let buckets = try await buckets {
            counters.latencyBuckets = Self.buckets(try buckets.vector().map { ($0.labels["le"], $0.point.value) })
            if counters.latencyBuckets.last?.le != .infinity, let countQuery = query.latencyCount {
                let count = Self.single(try await client.query(countQuery, at: time).vector())
                if count > 0 || !counters.latencyBuckets.isEmpty {
                    counters.latencyBuckets.append(LatencyBucket(le: .infinity, count: count))
                }
            }
        }
        // Each instance's counts at the group's bounds, where Prometheus has the same bounds for it.
        if let byInstance = try await bucketsByInstance, !counters.latencyBuckets.isEmpty {
            var samples: [String: [(String?, Double)]] = [:]
            for sample in try byInstance.vector() {
                if let name = sample.labels[instanceLabel] { samples[name, default: []].append((sample.labels["le"], sample.point.value)) }
            }
            let bounds = counters.latencyBuckets.map(\.le)
            for (name, own) in samples where counters.instances[name] != nil {
                let buckets = Self.buckets(own)
                if buckets.map(\.le) == bounds { counters.instances[name]?.latency = buckets.map(\.count) }
            }
        }
        return counters
    }

    /// The group's counters at each `step` from `start` to `end` (range queries), for plots and reports.
    /// Times where Prometheus has no request count for the group are left out.
    public func readRange(
        instances: [String], extractor: CountersExtractor, start: Date, end: Date, step: Double
    ) async throws -> [PrometheusCountersPoint] {
        guard !instances.isEmpty else { return [] }
        let query = try makeQuery(instances, extractor)

        async let requests = client.queryRange(query.requests, start: start, end: end, step: step)
        async let errors = client.queryRange(query.errors, start: start, end: end, step: step)
        async let buckets = optionally(query.latencyBuckets) {
            try await client.queryRange($0, start: start, end: end, step: step)
        }

        let requestPoints = try await requests.matrix().first?.points ?? []
        var errorsAt: [Double: Double] = [:]
        for point in try await errors.matrix().first?.points ?? [] { errorsAt[point.time] = point.value }
        var bucketsAt: [Double: [(String?, Double)]] = [:]
        for series in try await buckets?.matrix() ?? [] {
            for point in series.points { bucketsAt[point.time, default: []].append((series.labels["le"], point.value)) }
        }
        return requestPoints.map { point in
            PrometheusCountersPoint(
                time: point.date,
                counters: RailyardCore.GroupCounters(
                    requests: point.value,
                    errors: errorsAt[point.time] ?? 0,
                    latencyBuckets: Self.buckets(bucketsAt[point.time] ?? [])
                )
            )
        }
    }

    private func optionally(
        _ promql: String?, _ run: (String) async throws -> PrometheusResult
    ) async throws -> PrometheusResult? {
        guard let promql else { return nil }
        return try await run(promql)
    }

    private func makeQuery(_ instances: [String], _ extractor: CountersExtractor) throws -> PrometheusQuery {
        do {
            return try PrometheusQuery(instances: instances, extractor: extractor, instanceLabel: instanceLabel)
        } catch {
            throw PrometheusSourceError.invalidQuery(error)
        }
    }

    /// Throws for the first instance (in `instances` order) that Prometheus does not scrape or fails to scrape.
    private func checkUp(_ instances: [String], query: PrometheusQuery, at time: Date?) async throws {
        let samples = try await client.query(query.up, at: time).vector()
        var up: [String: Bool] = [:]
        for sample in samples {
            guard let instance = sample.labels[instanceLabel] else { continue }
            up[instance] = (up[instance] ?? false) || sample.point.value == 1
        }
        for instance in instances {
            switch up[instance] {
            case nil: throw PrometheusSourceError.notScraped(instance: instance, prometheus: client.baseURL)
            case false?: throw PrometheusSourceError.down(instance: instance, prometheus: client.baseURL)
            case true?: continue
            }
        }
    }

    /// A `sum(…)` answer: one sample, or none when no series matched (no traffic yet).
    static func single(_ samples: [PrometheusSample]) -> Double {
        samples.reduce(0) { $0 + $1.point.value }
    }

    /// `sum by (le)` samples as ascending cumulative buckets (`+Inf` last); samples without a numeric `le` dropped.
    static func buckets(_ samples: [(le: String?, value: Double)]) -> [LatencyBucket] {
        samples.compactMap { le, value in
            guard let bound = le.flatMap(PrometheusAPI.parseValue), !bound.isNaN else { return nil }
            return LatencyBucket(le: bound, count: value)
        }
        .sorted { $0.le < $1.le }
    }
}

/// A group's counters at one time of a range read.
public struct PrometheusCountersPoint: Sendable, Equatable {
    public var time: Date
    public var counters: RailyardCore.GroupCounters

    public init(time: Date, counters: RailyardCore.GroupCounters) {
        self.time = time
        self.counters = counters
    }
}

/// Why `PrometheusSource` could not read a group. Errors of the query itself are `PrometheusError`s.
public enum PrometheusSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Prometheus has no `up` series for the instance: it is not (yet) one of its scrape targets.
    case notScraped(instance: String, prometheus: String)
    /// Prometheus' last scrape of the instance failed (`up` is 0).
    case down(instance: String, prometheus: String)
    /// The instances or the extractor's names cannot be put in PromQL.
    case invalidQuery(PrometheusQueryError)

    public var description: String {
        switch self {
        case .notScraped(let instance, let prometheus):
            "instance \(instance) is not a scrape target of Prometheus at \(prometheus) (no `up` series with that instance label)"
        case .down(let instance, let prometheus):
            "Prometheus at \(prometheus) fails to scrape instance \(instance) (up is 0)"
        case .invalidQuery(let error):
            "cannot query Prometheus: \(error)"
        }
    }
}
