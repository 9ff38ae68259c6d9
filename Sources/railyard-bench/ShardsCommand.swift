import ArgumentParser
import Foundation
import RailyardCore
import RailyardSimulation

/// `railyard-bench shards`: the makespan of the nightly's shard plan against the lower bound
/// `max(longest test, total / shards)`, on a suite of 2,000 tests whose durations were recorded by
/// one run and measured again by the next, beside a naive split (round robin by name) in the same run.
struct ShardsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shards",
        abstract: "Shard makespan of the longest-first plan against the lower bound max(longest, total / shards), beside round robin.",
        discussion: """
            The suite: --tests test ids with heavy-tailed durations (log-normal, median 0.4 s, and 2% integration \
            tests of 20-90 s), seeded. The plan is made from one run's recorded durations (a share --new of the \
            tests has no history and gets the median) and judged on the next run's durations, which differ by up \
            to ±--noise: the makespan a CI user would see. The ratio to the lower bound of the measured run is the \
            figure (goal ≤ 1.05); round robin by name is the baseline any sharder must beat.
            """
    )

    @Option(help: "Tests in the suite.") var tests = 2000
    @Option(help: "Shards.") var shards = 4
    @Option(help: "Share of tests with no recorded duration (new tests).") var new = 0.05
    @Option(help: "Run-to-run change of each test's duration, as a fraction.") var noise = 0.2
    @Option(help: "Seeds to average over.") var seeds = 20
    @Option(help: "text or json.") var output: BenchOutput = .text

    struct Row: Codable {
        var seed: UInt64
        var lowerBound: Double
        var planned: Double
        var measured: Double
        var ratio: Double
        var roundRobinRatio: Double
    }

    func run() throws {
        var rows: [Row] = []
        for seed in 1...UInt64(max(1, seeds)) {
            var rng = Xoshiro256StarStar(seed: 4_000 + seed)
            let ids = (0..<tests).map { String(format: "com.pay.suite%03d.Test%04d", $0 % 97, $0) }
            var recorded: [String: Double] = [:], actual: [String: Double] = [:]
            for id in ids {
                let base = Double.random(in: 0..<1, using: &rng) < 0.02
                    ? Double.random(in: 20...90, using: &rng)
                    : 0.4 * exp(0.9 * Self.normal(&rng))
                actual[id] = base * (1 + Double.random(in: -noise...noise, using: &rng))
                if Double.random(in: 0..<1, using: &rng) >= new { recorded[id] = base }
            }
            let plan = ShardPlan.balance(ids, durations: recorded, shards: shards)
            let measured = plan.shards.map { $0.tests.reduce(0) { $0 + actual[$1]! } }.max()!
            let total = actual.values.reduce(0, +)
            let bound = max(actual.values.max()!, total / Double(shards))
            var robin = Array(repeating: 0.0, count: shards)
            for (index, id) in ids.sorted().enumerated() { robin[index % shards] += actual[id]! }
            rows.append(Row(seed: seed, lowerBound: bound, planned: plan.makespan, measured: measured, ratio: measured / bound,
                            roundRobinRatio: robin.max()! / bound))
        }
        if output == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        print("\(tests) tests over \(shards) shards, \(Int(new * 100))% without history, ±\(Int(noise * 100))% run to run, \(rows.count) seeds")
        print("seed  lower bound s  planned s  measured s  measured/bound  round robin/bound")
        for row in rows {
            print(String(format: "%4d  %13.1f  %9.1f  %10.1f  %14.3f  %17.3f", row.seed, row.lowerBound, row.planned, row.measured, row.ratio, row.roundRobinRatio))
        }
        let ratios = rows.map(\.ratio).sorted(), robins = rows.map(\.roundRobinRatio).sorted()
        print(String(format: "longest first: mean %.3f, worst %.3f (goal ≤ 1.05); round robin: mean %.3f, worst %.3f",
                     ratios.reduce(0, +) / Double(ratios.count), ratios.last!, robins.reduce(0, +) / Double(robins.count), robins.last!))
    }

    /// A standard normal draw (Box-Muller).
    static func normal(_ rng: inout Xoshiro256StarStar) -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &rng), v = Double.random(in: 0..<1, using: &rng)
        return sqrt(-2 * log(u)) * cos(2 * .pi * v)
    }
}
