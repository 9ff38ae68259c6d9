/// How one version of a service misbehaves, so that a canary can be made measurably worse than its baseline.
///
/// Applies only to the service's payment routes (the POSTs that move or create money); `/health` and `/metrics`
/// stay truthful so that the analysis reads the fault rather than failing to read anything.
public struct VersionBehaviour: Sendable, Equatable, Codable {
    /// Fraction (0...1) of payment requests answered 500.
    public var failureRate: Double
    /// Added to every payment request, faulty or not.
    public var extraLatencyMs: Int
    /// Spread of that added latency: each request's is `extraLatencyMs` × e^(spread · z), z spread evenly over a
    /// standard logistic scaled to unit variance (0: every request the same), so the answers fill several
    /// histogram buckets as real latency does and a shift of the whole distribution can be read.
    public var latencySpread: Double
    /// Payment requests each instance serves well before its faults (and its slow requests) begin: a regression that starts late.
    public var healthyRequests: Int
    /// Fraction (0...1) of payment requests delayed by `slowLatencyMs` more: a slower tail, the median unmoved.
    public var slowRate: Double
    public var slowLatencyMs: Int
    /// pay-in only: fraction (0...1) of pay-ins declined (HTTP 402), a failed payment no 5xx shows.
    public var declineRate: Double
    /// pay-in only: milliseconds a captured pay-in takes to settle, after its HTTP answer (the acquirer
    /// settles asynchronously): slower settlement no HTTP latency shows, timed in `payin_settlement_seconds`.
    public var settlementMs: Int
    /// Only one instance of the version has its faults (failed, slow and declined payments, `healthyRequests`
    /// before them), the first started (it claims them through a file beside the behaviour file,
    /// `BehaviourFile.claim`); the others keep the version's latency and settlement without the faults: one sick
    /// host, not the version.
    public var oneInstance: Bool

    /// The version's latency and settlement, without its faults: what `oneInstance`'s other instances run.
    public var withoutFaults: VersionBehaviour {
        VersionBehaviour(extraLatencyMs: extraLatencyMs, settlementMs: settlementMs, latencySpread: latencySpread)
    }

    /// Some payments fail, are declined or are slower: what `oneInstance` gives one instance.
    public var hasFaults: Bool { failureRate > 0 || declineRate > 0 || (slowRate > 0 && slowLatencyMs > 0) }

    /// No injected faults, no added latency: what a missing entry in the behaviour file means.
    public static let healthy = VersionBehaviour()

    public init(failureRate: Double = 0, extraLatencyMs: Int = 0, healthyRequests: Int = 0, slowRate: Double = 0, slowLatencyMs: Int = 0,
                declineRate: Double = 0, settlementMs: Int = 0, latencySpread: Double = 0, oneInstance: Bool = false) {
        self.oneInstance = oneInstance
        self.latencySpread = latencySpread
        self.declineRate = declineRate
        self.settlementMs = settlementMs
        self.failureRate = failureRate
        self.extraLatencyMs = extraLatencyMs
        self.healthyRequests = healthyRequests
        self.slowRate = slowRate
        self.slowLatencyMs = slowLatencyMs
    }

    // Snake case to match the behaviour file; both keys optional because absent means healthy.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case failureRate = "failure_rate"
        case extraLatencyMs = "extra_latency_ms"
        case healthyRequests = "healthy_requests"
        case slowRate = "slow_rate"
        case slowLatencyMs = "slow_latency_ms"
        case declineRate = "decline_rate"
        case settlementMs = "settlement_ms"
        case latencySpread = "latency_spread"
        case oneInstance = "one_instance"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.failureRate = try container.decodeIfPresent(Double.self, forKey: .failureRate) ?? 0
        self.extraLatencyMs = try container.decodeIfPresent(Int.self, forKey: .extraLatencyMs) ?? 0
        self.healthyRequests = try container.decodeIfPresent(Int.self, forKey: .healthyRequests) ?? 0
        self.slowRate = try container.decodeIfPresent(Double.self, forKey: .slowRate) ?? 0
        self.slowLatencyMs = try container.decodeIfPresent(Int.self, forKey: .slowLatencyMs) ?? 0
        self.declineRate = try container.decodeIfPresent(Double.self, forKey: .declineRate) ?? 0
        self.settlementMs = try container.decodeIfPresent(Int.self, forKey: .settlementMs) ?? 0
        self.latencySpread = try container.decodeIfPresent(Double.self, forKey: .latencySpread) ?? 0
        self.oneInstance = try container.decodeIfPresent(Bool.self, forKey: .oneInstance) ?? false
    }
}
