import Foundation
import RailyardCore
import RailyardEngine
import RailyardPorts
import Synchronization
import Testing

/// An instance taken out of the router's table is signalled only once the router has the answers of the
/// requests it had already sent to it: signalled earlier, the process closes connections holding requests it
/// has not read, and those payments fail with a 502 (seen on real processes under load: 6 of 300 swaps).
@Suite struct FleetDrainTests {
    static let waves = """
            - name: staging
              target: staging
              steps: [deploy, promote]
        """

    /// Payin v1's instance in staging, once the fleet is up, with `inFlight` requests to it on the router, which
    /// never get their answers if `stuck`.
    static func stagingV1(_ f: FakeEngine, inFlight: Int = 0, stuck: Bool = false) async throws -> InstanceRecord {
        try await f.engine.operations.up(actor: "test")
        let v1 = try #require(try await f.store.instances(includeStopped: false).first { $0.version == "v1" && $0.target == "staging" })
        f.routers.inFlight.withLock { $0[v1.address] = inFlight }
        if stuck { f.routers.stuck.withLock { $0 = [v1.address] } }
        return v1
    }

    /// Deploys payin v2 through the staging wave [deploy, promote]: v1 is taken out of the router, then stopped.
    static func promoteV2(_ f: FakeEngine) async throws -> RolloutRecord {
        try await f.settle(try await f.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test").id)
    }

    /// The audit line of `instance`'s stop.
    static func stopLine(_ f: FakeEngine, of instance: InstanceRecord) async throws -> AuditEvent {
        try #require(try await f.engine.rollouts.history(subject: "payin").first { $0.kind == "instance.stopped" && $0.message.contains(instance.address) })
    }

    /// What the router reported in flight to each of `addresses` when each stop began, by pid.
    final class StopsSeen: Sendable {
        let inFlight = Mutex<[Int32: [Int]]>([:])
    }

    static func watchStops(_ f: FakeEngine, addresses: [String]) -> StopsSeen {
        let seen = StopsSeen(), routers = f.routers
        f.driver.onStop.withLock { $0 = { process in
            let left = routers.inFlight.withLock { counts in addresses.map { counts[$0] ?? 0 } }
            seen.inFlight.withLock { $0[process.pid] = left }
        } }
        return seen
    }

    @Test func theOldVersionIsStoppedOnlyOnceItsRequestsInFlightAreAnswered() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.waves))
        try await f.run {
            let v1 = try await Self.stagingV1(f, inFlight: 3)
            let seen = Self.watchStops(f, addresses: [v1.address])
            let looksBefore = f.routers.looks.withLock { $0 }
            let ended = try await Self.promoteV2(f)

            #expect(ended.phase == .promoted, "\(ended.reason ?? "")")
            let pid = try #require(v1.pid)
            #expect(seen.inFlight.withLock { $0[pid] } == [0], "v1 was signalled with requests still on the wire to it")
            #expect(f.routers.looks.withLock { $0 } - looksBefore >= 4, "the router was asked until its count reached zero (3, 2, 1, 0)")
            let stop = try await Self.stopLine(f, of: v1)
            #expect(stop.message.contains("once the router had relayed the answers of its requests in flight"), "\(stop.message)")
        }
    }

    @Test func aRouterThatNeverAnswersHoldsTheStopOnlyUntilTheDrainTimeoutAndTheLogSaysSo() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.waves), drainTimeout: .milliseconds(50))
        try await f.run {
            let v1 = try await Self.stagingV1(f, inFlight: 2, stuck: true)
            let ended = try await Self.promoteV2(f)

            #expect(ended.phase == .promoted, "\(ended.reason ?? "")")
            let pid = try #require(v1.pid)
            #expect(!f.driver.isAlive(LaunchedProcess(pid: pid, startTime: v1.pidStart)))
            let stop = try await Self.stopLine(f, of: v1)
            #expect(stop.message.contains("with 2 requests from the router still unanswered after"), "\(stop.message)")
            #expect(stop.message.hasSuffix("they may fail"), "\(stop.message)")
        }
    }

    /// Two v1 instances in dc1, retired together: both are drained at once, and neither is signalled before both
    /// drains have ended (drained one after the other, a request stuck to the first would hold the second for a whole
    /// timeout, and the second's count would still be on the wire when the first is signalled).
    @Test func instancesStoppedTogetherAreDrainedTogetherBeforeAnyIsSignalled() async throws {
        let waves = """
                - name: dc1
                  target: dc1
                  steps: [deploy, promote]
            """
        let f = FakeEngine(config: try FakeEngine.config(waves: waves))
        try await f.run {
            try await f.engine.operations.up(actor: "test")
            let v1s = try await f.store.instances(includeStopped: false).filter { $0.version == "v1" && $0.target == "dc1" }
                .sorted { $0.address < $1.address }
            try #require(v1s.count == 2)
            // The router relays one answer between two looks: the first has 1 request in flight, the second 5.
            f.routers.inFlight.withLock { $0 = [v1s[0].address: 1, v1s[1].address: 5] }
            let seen = Self.watchStops(f, addresses: v1s.map(\.address))
            let ended = try await Self.promoteV2(f)

            #expect(ended.phase == .promoted, "\(ended.reason ?? "")")
            let stops = seen.inFlight.withLock { $0 }
            #expect(stops.count == 2, "\(stops)")
            #expect(stops.values.allSatisfy { $0 == [0, 0] }, "an instance was signalled while the other still had requests on the wire: \(stops)")
            for v1 in v1s {
                let stop = try await Self.stopLine(f, of: v1)
                #expect(stop.message.contains("once the router had relayed the answers of its requests in flight"), "\(stop.message)")
            }
        }
    }

    /// `railyard down` stops instances the router still sends traffic to: waiting would not empty them, so it does not wait.
    @Test func anInstanceStillRoutedToIsNotWaitedFor() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.waves), drainTimeout: .seconds(2))
        try await f.run {
            let v1 = try await Self.stagingV1(f, inFlight: 2, stuck: true)
            let instances = try await f.store.instances(includeStopped: false).count
            let looksBefore = f.routers.looks.withLock { $0 }
            try await f.engine.operations.down(actor: "test")

            // A drain that waited would read the router every 25 ms and, v1's requests being stuck, end at the timeout
            // with "unanswered" in the stop line; one that sees its instance routed reads it once and goes on.
            #expect(f.routers.looks.withLock { $0 } - looksBefore == instances, "down read the router more than once an instance: it waited for a drain that could not come")
            let stop = try await Self.stopLine(f, of: v1)
            #expect(!stop.message.contains("unanswered") && !stop.message.contains("once the router"), "\(stop.message)")
        }
    }

    /// A router that cannot say what is in flight does not hold the stop, and the log says the instance was not drained.
    @Test func aRouterThatCannotBeReadLetsTheStopGoOnAndTheLogSaysSo() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.waves))
        try await f.run {
            let v1 = try await Self.stagingV1(f)
            f.routers.unreachable.withLock { $0 = true }
            try await f.engine.fleet.stop(v1, actor: "test", why: "test")

            let pid = try #require(v1.pid)
            #expect(!f.driver.isAlive(LaunchedProcess(pid: pid, startTime: v1.pidStart)))
            let stop = try await Self.stopLine(f, of: v1)
            #expect(stop.message.hasSuffix("undrained: the router of staging did not answer (connection refused (fake))"), "\(stop.message)")
        }
    }
}
