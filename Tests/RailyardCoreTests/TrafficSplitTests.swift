import Testing

@testable import RailyardCore

/// The traffic-split rule a router applies during a rollout.
@Suite("Traffic split")
struct TrafficSplitTests {
    @Test("stable alone takes everything")
    func stableAlone() {
        #expect(TrafficSplit.compute(canaryWeight: nil, stableServers: 2, canaryServers: 0, baselineServers: 0) == TrafficSplit(stable: 100))
    }

    @Test("a canary takes its weight from stable")
    func canary() {
        #expect(TrafficSplit.compute(canaryWeight: 30, stableServers: 2, canaryServers: 1, baselineServers: 0)
                == TrafficSplit(stable: 70, canary: 30))
    }

    @Test("the baseline gets min(w, 100 − w), taken from stable", arguments: [
        (10, TrafficSplit(stable: 80, canary: 10, baseline: 10)),
        (25, TrafficSplit(stable: 50, canary: 25, baseline: 25)),
        (50, TrafficSplit(stable: 0, canary: 50, baseline: 50)),
        (80, TrafficSplit(stable: 0, canary: 80, baseline: 20)),
        (100, TrafficSplit(stable: 0, canary: 100, baseline: 0)),
    ])
    func baseline(weight: Int, expected: TrafficSplit) {
        let split = TrafficSplit.compute(canaryWeight: weight, stableServers: 1, canaryServers: 1, baselineServers: 1)
        #expect(split == expected)
        #expect(split.stable + (split.canary ?? 0) + (split.baseline ?? 0) == 100, "weights always sum to 100")
    }

    @Test("no baseline without stable servers to compare with")
    func baselineNeedsStable() {
        #expect(TrafficSplit.compute(canaryWeight: 30, stableServers: 0, canaryServers: 1, baselineServers: 1)
                == TrafficSplit(stable: 0, canary: 100))
    }

    @Test("weight moves off a canary without servers, back to stable")
    func emptyCanary() {
        #expect(TrafficSplit.compute(canaryWeight: 40, stableServers: 2, canaryServers: 0, baselineServers: 0)
                == TrafficSplit(stable: 100, canary: 0))
        #expect(TrafficSplit.compute(canaryWeight: 40, stableServers: 2, canaryServers: 0, baselineServers: 1)
                == TrafficSplit(stable: 60, canary: 0, baseline: 40))
    }

    @Test("weight moves off an empty stable to the canary")
    func emptyStable() {
        #expect(TrafficSplit.compute(canaryWeight: 40, stableServers: 0, canaryServers: 2, baselineServers: 0)
                == TrafficSplit(stable: 0, canary: 100))
    }

    @Test("out-of-range weights are clamped")
    func clamped() {
        #expect(TrafficSplit.compute(canaryWeight: 140, stableServers: 1, canaryServers: 1, baselineServers: 0) == TrafficSplit(stable: 0, canary: 100))
        #expect(TrafficSplit.compute(canaryWeight: -5, stableServers: 1, canaryServers: 1, baselineServers: 0) == TrafficSplit(stable: 100, canary: 0))
    }
}
