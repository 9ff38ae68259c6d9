import Foundation
import Testing

@testable import RailyardCore
import RailyardSimulation

/// The bench's and the planner's simulated traffic: each group as instances read apart, as the product's
/// sources read them.
@Suite("Simulator: instances read apart")
struct CanaryStreamSimulatorTests {
    @Test("each group is the sum of its instances, and the canary's first instance is the odd one")
    func groupsAreTheirInstancesSummed() throws {
        var model = CanaryTrafficModel(requestsPerSecond: 200, baselineErrorRate: 0.01, bounds: CanaryTrafficModel.demoBounds)
        model.oddInstanceShift = 0.4
        var simulator = CanaryStreamSimulator(model: model, seed: 7, instancesPerGroup: 2)
        #expect(simulator.look.canary.instances.keys.sorted() == ["canary-1", "canary-2"])
        var look = simulator.look
        for _ in 0..<60 { look = simulator.step(seconds: 5) }
        for group in [look.baseline, look.canary] {
            let instances = group.instances.values
            #expect(instances.map(\.requests).reduce(0, +) == group.requests)
            #expect(instances.map(\.errors).reduce(0, +) == group.errors)
            let summed = instances.map(\.latency).reduce(Array(repeating: 0.0, count: group.latencyBuckets.count)) { zip($0, $1).map(+) }
            #expect(summed == group.latencyBuckets.map(\.count))
            // An even share each: 30,000 requests a group, Poisson, split in two.
            for own in instances { #expect(abs(own.requests - group.requests / 2) < 0.05 * group.requests, "\(own.requests) of \(group.requests)") }
        }
        func median(_ own: InstanceCounters) -> Double {
            let perBucket = zip(own.latency, [0] + own.latency.dropLast()).map { $0 - $1 }
            return HistogramMath.quantile(0.5, bounds: look.canary.latencyBuckets.map(\.le), counts: perBucket)
        }
        let odd = try #require(look.canary.instances["canary-1"]), even = try #require(look.canary.instances["canary-2"])
        let baseline = try #require(look.baseline.instances["baseline-1"])
        #expect(median(odd) > 1.3 * median(even), "odd \(median(odd)) against \(median(even))")
        #expect(abs(median(even) / median(baseline) - 1) < 0.1, "the other canary instance answers as the baseline")
    }

    @Test("read as sums (no instances), the stream is the one every earlier figure was measured on")
    func unsplitStreamIsUnchanged() {
        let model = CanaryTrafficModel(requestsPerSecond: 20, errorRatio: 2, bounds: CanaryTrafficModel.demoBounds)
        var a = CanaryStreamSimulator(model: model, seed: 42), b = CanaryStreamSimulator(model: model, seed: 42, instancesPerGroup: 0)
        for _ in 0..<10 { #expect(a.step(seconds: 5) == b.step(seconds: 5)) }
        #expect(a.look.canary.instances.isEmpty)
        // Pinned: the stream every published figure was drawn from (the bench's table at --instances 0 reproduces
        // docs/judges.md's); a change to the unsplit draws would move all of them.
        #expect(a.look.baseline.requests == 952 && a.look.baseline.errors == 3 && a.look.canary.requests == 977 && a.look.canary.errors == 10,
                "\(a.look.baseline.requests)/\(a.look.baseline.errors), \(a.look.canary.requests)/\(a.look.canary.errors)")
    }
}
