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

    /// This reading (raw, as read) counted since the analysis began, from the previous look (`previous`, whose
    /// `instances` are raw): each instance adds what it served since that look, and one that restarted (its
    /// counters went back, or it is new) what it served since its restart. So a canary's crash does not send
    /// its totals back, as `since` alone would (it clamps them), and the words of a verdict count what was
    /// served. Without instances on both sides, or with histograms whose bounds moved, it is `since(start)`.
    public func accumulated(onto previous: GroupCounters, start: GroupCounters) -> GroupCounters {
        guard !instances.isEmpty, !previous.instances.isEmpty else { return since(start) }
        let bounds = latencyBuckets.map(\.le)
        guard previous.latencyBuckets.isEmpty || previous.latencyBuckets.map(\.le) == bounds else { return since(start) }
        var total = GroupCounters(requests: previous.requests, errors: previous.errors, counters: previous.counters, instances: instances)
        var latency = previous.latencyBuckets.isEmpty ? bounds.map { _ in 0.0 } : previous.latencyBuckets.map(\.count)
        var histograms: [String: [Double]] = [:]
        for (name, buckets) in self.histograms {
            let earlier = previous.histograms[name] ?? []
            guard earlier.isEmpty || earlier.map(\.le) == buckets.map(\.le) else { return since(start) }
            histograms[name] = earlier.isEmpty ? buckets.map { _ in 0 } : earlier.map(\.count)
        }
        for (address, now) in instances {
            let before = previous.instances[address]
            // A previous look stored before instances' histograms were kept cannot say what this one adds.
            if let before, (before.latency.isEmpty && !now.latency.isEmpty) || now.histograms.keys.contains(where: { before.histograms[$0] == nil }) {
                return since(start)
            }
            let base = before.flatMap { now.wentBack(from: $0) ? nil : $0 } ?? InstanceCounters()
            total.requests += now.requests - base.requests
            total.errors += now.errors - base.errors
            for (name, value) in now.counters { total.counters[name, default: 0] += value - (base.counters[name] ?? 0) }
            if !bounds.isEmpty {
                guard now.latency.count == bounds.count, base.latency.isEmpty || base.latency.count == bounds.count else { return since(start) }
                for j in bounds.indices { latency[j] += now.latency[j] - (base.latency.isEmpty ? 0 : base.latency[j]) }
            }
            for (name, counts) in now.histograms {
                guard var sums = histograms[name], counts.count == sums.count else { return since(start) }
                let earlier = base.histograms[name] ?? []
                guard earlier.isEmpty || earlier.count == counts.count else { return since(start) }
                for j in counts.indices { sums[j] += counts[j] - (earlier.isEmpty ? 0 : earlier[j]) }
                histograms[name] = sums
            }
        }
        total.latencyBuckets = zip(bounds, latency).map { LatencyBucket(le: $0, count: $1) }
        total.histograms = self.histograms.reduce(into: [:]) { result, entry in
            result[entry.key] = zip(entry.value.map(\.le), histograms[entry.key] ?? []).map { LatencyBucket(le: $0, count: $1) }
        }
        return total
    }

    /// Failed requests over requests, 0 with no requests.
    public var errorRate: Double { requests > 0 ? errors / requests : 0 }

    /// The smallest bucket bound under which `quantile` of the observations fall (an upper estimate).
    public func latencyQuantile(_ quantile: Double) -> Double? {
        guard let total = latencyBuckets.last?.count, total > 0 else { return nil }
        return latencyBuckets.first { $0.count >= quantile * total }?.le
    }
}
