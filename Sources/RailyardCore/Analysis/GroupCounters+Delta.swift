extension GroupCounters {
    /// What happened since `start`: counters are cumulative, and an analysis judges only its own window.
    /// A counter that went down (an instance restarted) counts from zero rather than negative.
    public func since(_ start: GroupCounters) -> GroupCounters {
        func since(_ buckets: [LatencyBucket], _ earlier: [LatencyBucket]) -> [LatencyBucket] {
            let startBuckets = Dictionary(earlier.map { ($0.le, $0.count) }, uniquingKeysWith: { $1 })
            return buckets.map { LatencyBucket(le: $0.le, count: max(0, $0.count - (startBuckets[$0.le] ?? 0))) }
        }
        return GroupCounters(
            requests: max(0, requests - start.requests),
            errors: max(0, errors - start.errors),
            latencyBuckets: since(latencyBuckets, start.latencyBuckets),
            counters: counters.reduce(into: [:]) { $0[$1.key] = max(0, $1.value - (start.counters[$1.key] ?? 0)) },
            instances: instances,  // raw, as read: resets are found look to look
            histograms: histograms.reduce(into: [:]) { $0[$1.key] = since($1.value, start.histograms[$1.key] ?? []) })
    }

    /// Failed requests over requests, 0 with no requests.
    public var errorRate: Double { requests > 0 ? errors / requests : 0 }

    /// The smallest bucket bound under which `quantile` of the observations fall (an upper estimate).
    public func latencyQuantile(_ quantile: Double) -> Double? {
        guard let total = latencyBuckets.last?.count, total > 0 else { return nil }
        return latencyBuckets.first { $0.count >= quantile * total }?.le
    }
}
