import Foundation

/// Keeps a flood of refused requests from filling the audit log: each client may log `burst`
/// refusals at once, then one more every `interval`; the ones in between are counted, and the next
/// refusal logged says how many were left out. Clients are keyed by address; the table holds at most
/// `maxClients`, forgetting the longest idle first, so many addresses cannot grow it without bound.
public struct RefusalLimiter: Sendable {
    public struct Decision: Sendable, Equatable {
        /// Write this refusal to the log.
        public var log: Bool
        /// Refusals from this client left out of the log since the last one written.
        public var suppressed: Int
        public init(log: Bool, suppressed: Int) {
            self.log = log
            self.suppressed = suppressed
        }
    }

    struct Bucket: Sendable {
        var tokens: Double
        var updated: Date
        var suppressed: Int
    }

    public let burst: Int
    public let interval: TimeInterval
    public let maxClients: Int
    var buckets: [String: Bucket] = [:]

    public init(burst: Int = 20, interval: TimeInterval = 6, maxClients: Int = 4096) {
        self.burst = burst
        self.interval = interval
        self.maxClients = maxClients
    }

    public mutating func admit(client: String, at now: Date) -> Decision {
        var bucket = buckets[client] ?? Bucket(tokens: Double(burst), updated: now, suppressed: 0)
        bucket.tokens = min(Double(burst), bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) / interval)
        bucket.updated = now
        let decision: Decision
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            decision = Decision(log: true, suppressed: bucket.suppressed)
            bucket.suppressed = 0
        } else {
            bucket.suppressed += 1
            decision = Decision(log: false, suppressed: bucket.suppressed)
        }
        if buckets[client] == nil, buckets.count >= maxClients,
           let idlest = buckets.min(by: { $0.value.updated < $1.value.updated })?.key {
            buckets.removeValue(forKey: idlest)
        }
        buckets[client] = bucket
        return decision
    }

    public var clientCount: Int { buckets.count }
}
