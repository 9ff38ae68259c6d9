import Foundation
import RailyardCore
import Testing

/// Shards by recorded durations: every test exactly once, within LPT's bound of the best split (found
/// by brute force on small seeded sets), new tests at the median, the same plan for the same input.
@Suite("Shard plan: longest first onto the lightest shard")
struct ShardPlanTests {
    @Test func aKnownCase() {
        let durations = ["a": 8.0, "b": 7, "c": 6, "d": 5, "e": 4]
        let plan = ShardPlan.balance(["e", "d", "c", "b", "a"], durations: durations, shards: 2)
        #expect(plan.shards.map(\.tests) == [["a", "d", "e"], ["b", "c"]])
        #expect(plan.shards.map(\.expected) == [17, 13] && plan.makespan == 17 && plan.estimated.isEmpty)
    }

    @Test func testsWithoutHistoryCountAsTheMedian() {
        let plan = ShardPlan.balance(["slow", "fast", "mid", "new1", "new2", "new1"], durations: ["slow": 30, "fast": 2, "mid": 10], shards: 2)
        #expect(plan.estimate == 10 && plan.estimated == ["new1", "new2"])
        #expect(plan.shards.flatMap(\.tests).sorted() == ["fast", "mid", "new1", "new2", "slow"], "each test once, duplicates dropped")
        #expect(plan.shards.map(\.expected).sorted() == [30, 32])
        #expect(ShardPlan.balance(["x", "y"], durations: [:], shards: 3, fallback: 5).shards.map(\.expected) == [5, 5, 0])
    }

    @Test func withinTheLPTBoundOfTheBestSplitAndFarBetterThanRoundRobin() {
        var state: UInt64 = 20261130
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double((state >> 40) % 1000) / 1000
        }
        var lptTotal = 0.0, roundRobinTotal = 0.0
        for _ in 0..<40 {
            // A suite as nightly runs look: a few long tests among many short ones.
            let durations = Dictionary(uniqueKeysWithValues: (0..<10).map { ("t\($0)", ($0 < 2 ? 60 : 1) * (1 + next() * 9)) })
            let plan = ShardPlan.balance(Array(durations.keys), durations: durations, shards: 3)
            #expect(Set(plan.shards.flatMap(\.tests)) == Set(durations.keys) && plan.shards.flatMap(\.tests).count == 10)
            let best = Self.bestMakespan(Array(durations.values), shards: 3)
            #expect(plan.makespan <= best * 4 / 3 + 1e-9, "LPT \(plan.makespan) vs best \(best)")
            #expect(plan == ShardPlan.balance(Array(durations.keys).reversed(), durations: durations, shards: 3), "same input, same plan")
            let names = durations.keys.sorted()
            let roundRobin = (0..<3).map { shard in names.enumerated().filter { $0.offset % 3 == shard }.reduce(0) { $0 + durations[$1.element]! } }
            lptTotal += plan.makespan
            roundRobinTotal += roundRobin.max()!
        }
        #expect(lptTotal < roundRobinTotal, "balanced by duration: \(lptTotal) s vs round-robin \(roundRobinTotal) s over 40 suites")
    }

    /// The best makespan, by trying every assignment (3^10 = 59049).
    static func bestMakespan(_ durations: [Double], shards: Int) -> Double {
        var best = Double.infinity
        var loads = Array(repeating: 0.0, count: shards)
        func place(_ index: Int) {
            if index == durations.count { best = min(best, loads.max()!); return }
            for shard in 0..<shards {
                loads[shard] += durations[index]
                if loads[shard] < best { place(index + 1) }
                loads[shard] -= durations[index]
            }
        }
        place(0)
        return best
    }
}
