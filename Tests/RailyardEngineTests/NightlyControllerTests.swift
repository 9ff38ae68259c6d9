import Foundation
import RailyardCore
import RailyardPorts
import Testing
@testable import RailyardEngine

/// The nightly controller on fakes: a run builds what the train changes, deploys it to the nightly
/// target, runs the suites and stores the verdict; a changed artifact, a failed build, a second run,
/// a restart mid-run and too many restarts each end as they must, with the reason.
@Suite struct NightlyControllerTests {
    static func config(suites: String = "    - { name: api, command: [run-api] }\n    - { name: ledger, command: [run-ledger], services: [wallet] }\n")
        throws -> RailyardConfig {
        try ConfigLoader.parse("""
            services:
              payin:
                kind: microservice
                command: "payin --version {version} --port {port}"
                version: v1
                instances: { nightly: 1 }
                build: { command: "make payin VERSION={version}", artifact: "dist/payin-{version}.tar.gz" }
              wallet:
                kind: microservice
                command: "wallet --version {version} --port {port}"
                version: v1
                instances: { nightly: 1 }
            environments:
              - name: nightly
            deployment:
              waves:
                - { name: nightly, target: nightly, steps: [deploy, promote] }
            nightly:
              schedule: ["0 2 * * *"]
              time_zone: Europe/Paris
              suites:
            \(suites)
            """, file: "railyard.yml", baseDirectory: "/fake")
    }

    func train(_ fake: FakeEngine) async throws -> TrainRecord {
        try await fake.engine.trains.create(id: "2026.48", captain: "alice", services: ["payin": "2026.48.1"], actor: "alice")
    }

    func finished(_ fake: FakeEngine, _ id: String) async throws -> NightlyRunRecord {
        for _ in 0..<5_000 {
            if let run = try await fake.store.nightlyRun(id: id), run.state != .running { return run }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw FleetError("nightly \(id) did not finish")
    }

    @Test func aRunBuildsDeploysTestsAndPasses() async throws {
        let fake = try FakeEngine(config: Self.config())
        try await fake.run(services: [fake.engine.nightlyController]) {
            let train = try await train(fake)
            let started = try await fake.engine.nightly.start(train: train.id, actor: "carol")
            #expect(started.id == "2026.48-n1" && started.versions == ["payin": "2026.48.1", "wallet": "v1"] && started.builds == ["payin"])
            let run = try await finished(fake, started.id)
            #expect(run.state == .passed, "\(run.reason ?? "")")
            #expect(run.reason == "2 of 2 tests passed")
            #expect(run.artifacts.map(\.version) == ["2026.48.1"])
            #expect(fake.nightly.calls.withLock { $0 } == ["build payin 2026.48.1", "suite api", "suite ledger"])
            // Deployed: one live instance per service at the version under test in nightly.
            let live = try await fake.engine.fleet.liveInstances(target: "nightly")
            #expect(Set(live.map { "\($0.service) \($0.version)" }) == ["payin 2026.48.1", "wallet v1"])
            #expect(try await fake.store.stableVersions()["payin"]?["nightly"] == "2026.48.1")
            // The lease is free again: a second run starts, and does not build payin twice.
            let second = try await fake.engine.nightly.start(train: train.id, actor: "carol")
            #expect(second.id == "2026.48-n2")
            #expect(try await finished(fake, second.id).state == .passed)
            #expect(fake.nightly.calls.withLock { $0 }.filter { $0.hasPrefix("build") }.count == 1)
        }
    }

    @Test func runsStartedAtTheSameInstantGetDistinctNumbers() async throws {
        let fake = try FakeEngine(config: Self.config())
        try await fake.run(services: [fake.engine.nightlyController]) {
            _ = try await train(fake)
            var ids: [String] = []
            // The manual clock does not move: every run starts at the same instant, as on the demo's simulated clock.
            for _ in 0..<11 { ids.append(try await finished(fake, try await fake.engine.nightly.start(train: "2026.48", actor: "carol").id).id) }
            #expect(ids == (1...11).map { "2026.48-n\($0)" })
            #expect(try await fake.store.nightlyRuns(train: "2026.48", limit: 100).count == 11)
        }
    }

    @Test func aFailingTestFailsTheRunUnlessQuarantined() async throws {
        let fake = try FakeEngine(config: Self.config())
        fake.nightly.outcomes.withLock {
            $0["api"] = [TestCaseResult(suite: "api", classname: "api.payin", name: "refund", seconds: 1, outcome: .failed, message: "expected 200, got 500")]
        }
        try await fake.run(services: [fake.engine.nightlyController]) {
            _ = try await train(fake)
            let first = try await finished(fake, try await fake.engine.nightly.start(train: "2026.48", actor: "carol").id)
            #expect(first.state == .failed && first.verdict?.failing == ["api.payin.refund"])
            #expect(first.reason == "1 test(s) failing: api.payin.refund")
            _ = try await fake.engine.nightly.quarantine(test: "api.payin.refund", reason: "PAY-77: the sandbox refunds time out", owner: "bob",
                                                        expires: fake.clock.now().addingTimeInterval(7 * 86_400), actor: "alice")
            let second = try await finished(fake, try await fake.engine.nightly.start(train: "2026.48", actor: "carol").id)
            #expect(second.state == .passed && second.verdict?.quarantined == ["api.payin.refund"])
            let report = try await fake.engine.nightly.report(id: second.id)
            #expect(report.trend.tests.first { $0.id == "api.payin.refund" }?.runs == 2)
        }
    }

    @Test func aChangedArtifactIsRefusedAndNothingStarts() async throws {
        let fake = try FakeEngine(config: Self.config())
        try await fake.run(services: [fake.engine.nightlyController]) {
            _ = try await train(fake)
            _ = try await finished(fake, try await fake.engine.nightly.start(train: "2026.48", actor: "carol").id)
            try await fake.engine.fleet.stopInstances(service: "payin", version: "2026.48.1", target: "nightly", actor: "test", why: "test")
            // Someone rebuilt the tested file in place.
            fake.nightly.files.withLock { $0["/fake/dist/payin-2026.48.1.tar.gz"] = String(repeating: "cd", count: 32) }
            let run = try await finished(fake, try await fake.engine.nightly.start(train: "2026.48", actor: "carol").id)
            #expect(run.state == .broken)
            #expect(run.reason?.contains("changed after it was built and tested") == true, "\(run.reason ?? "")")
            // And a deploy anywhere refuses it too, before any process starts.
            let spec = try #require(fake.engine.config.service(named: "payin"))
            await #expect(throws: FleetError.self) {
                try await fake.engine.fleet.ensureInstances(service: spec, version: "2026.48.1", target: "nightly", rolloutID: nil, actor: "test")
            }
            #expect(try await fake.engine.fleet.liveInstances(service: "payin", target: "nightly").isEmpty)
            #expect(try await fake.store.events(subject: "payin", limit: 50).contains { $0.kind == "artifact.refused" })
        }
    }

    @Test func aFailedBuildEndsTheRunBrokenWithItsLastLines() async throws {
        let fake = try FakeEngine(config: Self.config(), nightly: FakeNightlyRunner(failingBuilds: ["payin"]))
        try await fake.run(services: [fake.engine.nightlyController]) {
            _ = try await train(fake)
            let run = try await finished(fake, try await fake.engine.nightly.start(train: "2026.48", actor: "carol").id)
            #expect(run.state == .broken && run.reason?.contains("error: cannot compile") == true)
            #expect(fake.nightly.calls.withLock { $0 } == ["build payin 2026.48.1"])
        }
    }

    @Test func aChangeRunsOnlyTheSuitesOfTheServicesItTouches() async throws {
        let fake = try FakeEngine(config: Self.config())
        try await fake.run(services: [fake.engine.nightlyController]) {
            _ = try await train(fake)
            _ = try await fake.engine.trains.putTicket(train: "2026.48", ticket: "PAY-9", title: "Payout limits", type: nil, owner: "dan",
                                                       services: ["payin"], mergedAt: nil, actor: "dan")
            let run = try await finished(fake, try await fake.engine.nightly.merged(train: "2026.48", ticket: "PAY-9", actor: "dan").id)
            #expect(run.plannedSuites == ["api"] && run.state == .passed)
            #expect(try await fake.store.tickets(train: "2026.48").first?.mergedAt == fake.clock.now())
        }
    }

    @Test func aSecondRunIsRefusedWhileOneGoes() async throws {
        let fake = try FakeEngine(config: Self.config())
        // Not driven (no service running): the first run stays running and holds the lease.
        _ = try await train(fake)
        let first = try await fake.engine.nightly.start(train: "2026.48", actor: "carol")
        let refusal = await #expect(throws: Refusal.self) { try await fake.engine.nightly.start(train: "2026.48", actor: "dave") }
        #expect(refusal?.reason.contains("a nightly run is already going: \(first.id)") == true)
    }

    @Test func railyardDownEndsARunningRunBrokenAndFreesTheLease() async throws {
        let fake = try FakeEngine(config: Self.config())
        _ = try await train(fake)
        // Not driven: it stays running, as one under way when `railyard down` comes.
        let run = try await fake.engine.nightly.start(train: "2026.48", actor: "carol")
        try await fake.engine.operations.down(actor: "alice")
        let ended = try #require(try await fake.store.nightlyRun(id: run.id))
        #expect(ended.state == .broken && ended.reason == "railyard down stopped the fleet during the run")
        // Nothing to resume at the next start, and the next run may start.
        let restarted = try FakeEngine(config: Self.config(), store: fake.store)
        try await restarted.engine.prepare()
        #expect(try await fake.store.nightlyRun(id: run.id)?.resumes == 0)
        #expect(try await restarted.engine.nightly.start(train: "2026.48", actor: "carol").id == "2026.48-n2")
    }

    @Test func aRestartResumesTheRunAtItsPhaseAndTooManyEndIt() async throws {
        let store = InMemoryStore()
        let fake = try FakeEngine(config: Self.config(), store: store)
        _ = try await train(fake)
        var run = try await fake.engine.nightly.start(train: "2026.48", actor: "carol")
        // As a killed server left it: built, deployed, the first suite done, the second under way.
        run = try #require(try await store.nightlyRun(id: run.id))
        run.phase = .testing
        run.suites = [.init(name: "api", tests: [])]
        try await store.save(nightlyRun: run, events: [])
        let restarted = try FakeEngine(config: Self.config(), store: store)
        try await restarted.run(services: [restarted.engine.nightlyController]) {
            let ended = try await finished(restarted, run.id)
            #expect(ended.resumes == 1 && ended.state == .passed)
            #expect(restarted.nightly.calls.withLock { $0 } == ["suite ledger"])  // neither a rebuild nor the finished suite again
            #expect(try await store.events(subject: "2026.48", limit: 50).contains { $0.kind == "nightly.resumed" })
        }
        // A run interrupted by restarts more than maxResumes times ends broken, with why.
        var stuck = NightlyRunRecord(id: "2026.48-n9", train: "2026.48", trigger: .manual(by: "carol"), startedAt: Date(), plannedSuites: ["api"])
        stuck.resumes = NightlyController.maxResumes
        stuck.phase = .testing
        try await store.save(nightlyRun: stuck, events: [])
        let again = try FakeEngine(config: Self.config(), store: store)
        try await again.engine.prepare()
        let ended = try #require(try await store.nightlyRun(id: stuck.id))
        #expect(ended.state == .broken && ended.reason?.hasPrefix("interrupted by 4 restarts of Railyard, the last while testing") == true)
    }
}
