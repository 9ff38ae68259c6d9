/// Cumulative counters of one group (baseline or canary) at one look, summed over its instances:
/// what a metric source reads and what judges compare.
public struct GroupCounters: Sendable, Codable, Equatable {
    /// Requests on the routes being judged.
    public var requests: Double
    /// Of those, the failed ones (5xx).
    public var errors: Double
    /// Cumulative latency histogram: ascending upper bounds in seconds, the last one +Inf.
    public var latencyBuckets: [LatencyBucket]
    /// The service's own counters an analysis asked for (`failed` and `total` of a metric), by metric
    /// name, each summed over the group's instances and all its series; a counter no instance exposes
    /// reads 0.
    public var counters: [String: Double]
    /// Each instance's own requests, errors and counters by address, raw as read (never "since" anything:
    /// a restart shows as one instance going back); empty when the source sums instances itself.
    public var instances: [String: InstanceCounters]
    /// The service's own histograms an analysis asked for (a latency metric's `histogram`), by metric name:
    /// cumulative, each summed over the group's instances and all its series; one no instance exposes is absent.
    public var histograms: [String: [LatencyBucket]]

    public init(requests: Double = 0, errors: Double = 0, latencyBuckets: [LatencyBucket] = [], counters: [String: Double] = [:],
                instances: [String: InstanceCounters] = [:], histograms: [String: [LatencyBucket]] = [:]) {
        self.requests = requests
        self.errors = errors
        self.latencyBuckets = latencyBuckets
        self.counters = counters
        self.instances = instances
        self.histograms = histograms
    }

    enum CodingKeys: String, CodingKey { case requests, errors, latencyBuckets, counters, instances, histograms }

    /// Counters stored before `counters` existed read with none; none are written when there are none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(requests: try c.decode(Double.self, forKey: .requests), errors: try c.decode(Double.self, forKey: .errors),
                  latencyBuckets: try c.decode([LatencyBucket].self, forKey: .latencyBuckets),
                  counters: try c.decodeIfPresent([String: Double].self, forKey: .counters) ?? [:],
                  instances: try c.decodeIfPresent([String: InstanceCounters].self, forKey: .instances) ?? [:],
                  histograms: try c.decodeIfPresent([String: [LatencyBucket]].self, forKey: .histograms) ?? [:])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(requests, forKey: .requests)
        try c.encode(errors, forKey: .errors)
        try c.encode(latencyBuckets, forKey: .latencyBuckets)
        if !counters.isEmpty { try c.encode(counters, forKey: .counters) }
        if !instances.isEmpty { try c.encode(instances, forKey: .instances) }
        if !histograms.isEmpty { try c.encode(histograms, forKey: .histograms) }
    }

    /// The same counters with `histogram` (one of `histograms`) as their latency, for each instance too: what
    /// a latency metric on the service's own histogram reads. Missing, it reads as no histogram at all.
    public func readingLatency(from histogram: String) -> GroupCounters {
        var copy = self
        copy.latencyBuckets = histograms[histogram] ?? []
        for (address, own) in instances { copy.instances[address]?.latency = own.histograms[histogram] ?? [] }
        return copy
    }

    public static let zero = GroupCounters()
}

public struct LatencyBucket: Sendable, Codable, Equatable {
    /// Upper bound in seconds (`.infinity` for +Inf).
    public var le: Double
    /// Cumulative count of observations ≤ `le`.
    public var count: Double
    public init(le: Double, count: Double) {
        self.le = le
        self.count = count
    }

    enum CodingKeys: String, CodingKey { case le, count }

    // JSON has no infinity: the +Inf bound travels as the string "+Inf", as in Prometheus' own text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decode(Double.self, forKey: .count)
        if let text = try? container.decode(String.self, forKey: .le) {
            guard let value = text == "+Inf" ? Double.infinity : Double(text) else {
                throw DecodingError.dataCorruptedError(forKey: .le, in: container, debugDescription: "not a bucket bound: \(text)")
            }
            le = value
        } else {
            le = try container.decode(Double.self, forKey: .le)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(count, forKey: .count)
        if le.isInfinite { try container.encode(le > 0 ? "+Inf" : "-Inf", forKey: .le) } else { try container.encode(le, forKey: .le) }
    }
}

/// One look of an analysis: both groups' cumulative counters since the analysis began.
public struct AnalysisLook: Sendable, Codable, Equatable {
    /// Seconds since the analysis began (from the injected clock).
    public var elapsed: Double
    public var baseline: GroupCounters
    public var canary: GroupCounters
    /// The stable group, when the analysis counts it as an extra control (`stable_as_control`); nil otherwise,
    /// or while no stable instance runs.
    public var stable: GroupCounters?
    public init(elapsed: Double, baseline: GroupCounters, canary: GroupCounters, stable: GroupCounters? = nil) {
        self.elapsed = elapsed
        self.baseline = baseline
        self.canary = canary
        self.stable = stable
    }
}
