/// How a router divides one service's traffic between its groups during a rollout: the rule that
/// `Fleet.route` applies, pure so it is tested on its own.
///
/// - The canary gets its weight `w`, stable the rest.
/// - While baseline instances run beside the canary they get `min(w, 100 − w)`, taken from stable, so
///   baseline and canary see the same traffic (as Kayenta recommends) without stable going negative.
/// - A group with no server cannot take traffic: its weight moves to the other group.
public struct TrafficSplit: Sendable, Equatable {
    public var stable: Int
    /// nil when no canary group is routed.
    public var canary: Int?
    /// nil when no baseline group is routed.
    public var baseline: Int?

    public init(stable: Int, canary: Int? = nil, baseline: Int? = nil) {
        self.stable = stable
        self.canary = canary
        self.baseline = baseline
    }

    /// - Parameters:
    ///   - canaryWeight: the canary's percentage, or nil for stable alone.
    ///   - stableServers, canaryServers, baselineServers: how many healthy servers each group has.
    public static func compute(canaryWeight: Int?, stableServers: Int, canaryServers: Int, baselineServers: Int) -> TrafficSplit {
        guard let weight = canaryWeight.map({ min(max($0, 0), 100) }) else { return TrafficSplit(stable: 100) }
        var split = TrafficSplit(stable: 100 - weight, canary: weight)
        if baselineServers > 0, stableServers > 0 {
            let baseline = min(weight, 100 - weight)
            split.stable -= baseline
            split.baseline = baseline
        }
        if stableServers == 0, split.baseline == nil {
            split.stable = 0
            split.canary = 100
        }
        if canaryServers == 0 {
            split.stable += split.canary ?? 0
            split.canary = 0
        }
        return split
    }
}
