/// Tests split across parallel shards by the durations earlier runs recorded, longest first onto the
/// least loaded shard (LPT: never worse than 4/3 of the best split). A test without history counts
/// as the median of the known durations, so new tests spread instead of piling onto one shard.
public struct ShardPlan: Sendable, Equatable {
    public struct Shard: Sendable, Equatable {
        public var tests: [String]
        /// Expected seconds: the sum of its tests' durations (estimated ones included).
        public var expected: Double
    }

    public var shards: [Shard]
    /// Tests that had no recorded duration, and the estimate they got.
    public var estimated: [String]
    public var estimate: Double

    /// The longest shard's expected seconds: the suite's expected wall time.
    public var makespan: Double { shards.map(\.expected).max() ?? 0 }

    /// - Parameters:
    ///   - tests: test ids (classname.name), in any order; duplicates count once.
    ///   - durations: test id → seconds from earlier runs.
    ///   - shards: how many shards, at least 1.
    ///   - fallback: the estimate when no test has a history.
    public static func balance(_ tests: [String], durations: [String: Double], shards count: Int, fallback: Double = 1) -> ShardPlan {
        let unique = Array(Set(tests))
        let known = unique.compactMap { durations[$0] }
        let estimate = known.median ?? fallback
        let weighted = unique.map { ($0, durations[$0] ?? estimate) }
            // Longest first; ties by name so the same input always gives the same plan.
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        var shards = Array(repeating: Shard(tests: [], expected: 0), count: max(1, count))
        for (test, seconds) in weighted {
            let lightest = shards.indices.min { shards[$0].expected != shards[$1].expected ? shards[$0].expected < shards[$1].expected : $0 < $1 }!
            shards[lightest].tests.append(test)
            shards[lightest].expected += seconds
        }
        return ShardPlan(shards: shards, estimated: unique.filter { durations[$0] == nil }.sorted(), estimate: estimate)
    }
}
