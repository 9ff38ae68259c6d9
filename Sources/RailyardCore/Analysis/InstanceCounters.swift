/// One instance's own counters, as read (raw cumulative values, not since the analysis began): kept per
/// instance so that a restart, which sends one instance's counters back to zero, is told apart from the
/// rest of its group (`GroupCounters.increase`).
public struct InstanceCounters: Sendable, Codable, Equatable {
    public var requests: Double
    public var errors: Double
    /// The service's own counters an analysis reads, by name.
    public var counters: [String: Double]
    /// The instance's cumulative latency counts at its group's bounds (`GroupCounters.latencyBuckets`, in
    /// order), so that one slow instance can be told apart from a slow version; empty when not read.
    public var latency: [Double]
    /// The service's own histograms an analysis reads, by name: cumulative counts at the group's bounds of that
    /// histogram (`GroupCounters.histograms`), as `latency` is for the HTTP latency.
    public var histograms: [String: [Double]]

    public init(requests: Double = 0, errors: Double = 0, counters: [String: Double] = [:], latency: [Double] = [], histograms: [String: [Double]] = [:]) {
        self.requests = requests
        self.errors = errors
        self.counters = counters
        self.latency = latency
        self.histograms = histograms
    }

    enum CodingKeys: String, CodingKey { case requests, errors, counters, latency, histograms }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(requests: try c.decode(Double.self, forKey: .requests), errors: try c.decode(Double.self, forKey: .errors),
                  counters: try c.decodeIfPresent([String: Double].self, forKey: .counters) ?? [:],
                  latency: try c.decodeIfPresent([Double].self, forKey: .latency) ?? [],
                  histograms: try c.decodeIfPresent([String: [Double]].self, forKey: .histograms) ?? [:])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(requests, forKey: .requests)
        try c.encode(errors, forKey: .errors)
        if !counters.isEmpty { try c.encode(counters, forKey: .counters) }
        if !latency.isEmpty { try c.encode(latency, forKey: .latency) }
        if !histograms.isEmpty { try c.encode(histograms, forKey: .histograms) }
    }

    /// Whether any counter is below `earlier`'s: the instance restarted in between.
    func wentBack(from earlier: InstanceCounters) -> Bool {
        requests < earlier.requests || errors < earlier.errors || counters.contains { $0.value < (earlier.counters[$0.key] ?? 0) }
            || (latency.count == earlier.latency.count && zip(latency, earlier.latency).contains { $0 < $1 })
            || histograms.contains { name, counts in
                guard let before = earlier.histograms[name], before.count == counts.count else { return false }
                return zip(counts, before).contains { $0 < $1 }
            }
    }
}
