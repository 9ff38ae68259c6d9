/// Consecutive intervals' latency gathered into one pool before the latency shift compares them
/// (`MetricEvidence.add`), so that at low traffic a canary request is compared with more than the one or
/// two baseline requests of its own 5 seconds.
///
/// **Why.** The shift's e-value asks, within one pool, which of its requests were the canary's. Compared
/// within intervals of N requests, a request carries (N − 1)/N of what it would in one large pool: at
/// 0.25 requests/s a group and a look every 5 s (N ≈ 2.5; four intervals in ten with one group alone),
/// about 63%; at 1 request/s, 90%; at 5, 98%.
///
/// **Why it stays valid.** A pool closes on how many requests it holds (both groups together, `requests`)
/// or how long it spans (`span`), never on which group served them. Under the null each request is the
/// canary's or the baseline's independently of how it went, so given the pool's requests and the canary's
/// count, the canary's are a uniformly random subset of them: the hypergeometric the e-value conditions
/// on, however the latency drifts over the pool (and a canary exactly at the tolerance in each interval is
/// exactly at it in the pool: slowing each interval's latency by a factor slows their mixture by it). That
/// needs the split between canary and baseline to hold over the pool: the router sets both groups' weights
/// at a `setWeight` step, never during an analysis (`TrafficSplit`). A look whose latency is lost (a restart) closes the pool too, as that
/// interval was dropped before pools.
public struct LatencyBatch: Sendable, Codable, Equatable {
    /// A pool closes once it holds this many requests of both groups together (the product's;
    /// `SequentialMixing.latencyPool`)…
    public static let requests = 32.0
    /// …or spans this long (seconds), whichever comes first: evidence waits at most a minute.
    static let span = 60.0

    /// One pool to compare, as `MetricEvidence.add` takes it.
    struct Pool: Sendable, Codable, Equatable {
        var baseline: IntervalCounts
        var canary: IntervalCounts
        /// Both groups' cumulative per-bucket counts at the pool's last look (label-free: the scores).
        var pooled: [Double]
        var instances: [String: [Double]]
        var unreadable: Set<String>
        /// How many intervals it gathers.
        var intervals = 1
    }

    /// This batch's `requests` (0: every interval is compared alone).
    let closeAt: Double
    private var pool: Pool?
    /// When the open pool began (the look before its first interval), in seconds since the analysis began.
    private var startedAt = 0.0

    init(requests: Double = Self.requests) { closeAt = max(0, requests) }

    var isEmpty: Bool { pool == nil }

    /// Requests of both groups in the open pool, not compared yet.
    var waiting: Double { pool.map { $0.baseline.buckets.reduce(0, +) + $0.canary.buckets.reduce(0, +) } ?? 0 }

    /// Adds one interval, `from` one look `to` the next, and returns what is to be compared now: nothing
    /// while the pool fills, the pool once full, and first the pool so far when this interval's buckets differ.
    mutating func add(baseline: IntervalCounts, canary: IntervalCounts, pooled: [Double], instances: [String: [Double]], unreadable: Set<String>,
                      from start: Double, to end: Double) -> [Pool] {
        var ready: [Pool] = []
        // A group with no histogram yet (none of its requests seen) fits any layout: its first request closes nothing.
        func fits(_ a: [Double], _ b: [Double]) -> Bool { a.isEmpty || b.isEmpty || a == b }
        if let open = pool, !fits(open.canary.bounds, canary.bounds) || !fits(open.baseline.bounds, baseline.bounds) { ready += flush() }
        if var open = pool {
            open.baseline.add(baseline)
            open.canary.add(canary)
            open.pooled = pooled
            open.intervals += 1
            // An instance's requests are summed over the pool; one unreadable in any of its intervals is unreadable in it.
            open.unreadable.formUnion(unreadable)
            for (address, own) in instances where !open.unreadable.contains(address) {
                // Absent from the pool's earlier intervals: it served none of them.
                guard let before = open.instances[address] else { open.instances[address] = own; continue }
                if before.count == own.count { open.instances[address] = zip(before, own).map(+) } else { open.unreadable.insert(address) }
            }
            for address in open.unreadable { open.instances[address] = nil }
            pool = open
        } else {
            pool = Pool(baseline: baseline, canary: canary, pooled: pooled, instances: instances, unreadable: unreadable)
            startedAt = start
        }
        if waiting >= closeAt || end - startedAt >= Self.span {
            ready += flush()
        }
        return ready
    }

    /// The pool so far, to be compared as it is (an interval that cannot be counted follows it); empty when none is open.
    mutating func flush() -> [Pool] {
        defer { pool = nil }
        return pool.map { [$0] } ?? []
    }
}

/// Stored with a late watch's state (`LateShiftWatch.batch`): JSON has no infinity, so the +Inf bucket's
/// bound is stored as a flag, as `LateShiftWatch` stores its own bounds finite.
extension IntervalCounts: Codable {
    enum CodingKeys: String, CodingKey { case requests, errors, buckets, finiteBounds, endsAtInfinity }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let finite = try c.decode([Double].self, forKey: .finiteBounds)
        self.init(requests: try c.decode(Double.self, forKey: .requests), errors: try c.decode(Double.self, forKey: .errors),
                  buckets: try c.decode([Double].self, forKey: .buckets),
                  bounds: finite + (try c.decode(Bool.self, forKey: .endsAtInfinity) ? [.infinity] : []))
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(requests, forKey: .requests)
        try c.encode(errors, forKey: .errors)
        try c.encode(buckets, forKey: .buckets)
        try c.encode(bounds.filter(\.isFinite), forKey: .finiteBounds)
        try c.encode(bounds.last == .infinity, forKey: .endsAtInfinity)
    }
}

extension IntervalCounts {
    /// Adds a later interval of the same histogram (either may have none yet: no request of it seen).
    mutating func add(_ other: IntervalCounts) {
        requests += other.requests
        errors += other.errors
        if buckets.isEmpty {
            (buckets, bounds) = (other.buckets, other.bounds)
        } else if !other.buckets.isEmpty {
            buckets = zip(buckets, other.buckets).map(+)
        }
    }
}
