import Foundation
import RailyardCore
import RailyardEngine
import RailyardPorts
import Testing

/// Two writers of one rollout: a change stored between another writer's read and its write is never
/// overwritten. The late writer's save is refused (`StaleWrite`), and it decides again on what is stored.
@Suite struct StaleWriteTests {
    static let waves = """
            - name: canary
              target: dc1
              steps: [deploy, setWeight: 40, pause: 1h, promote]
        """

    /// Another writer's change, stored as a person's or a watcher's would be: through the machine, with its audit event.
    static func interloper(_ kind: String, _ config: RailyardConfig, actor: String, _ event: RolloutEvent)
        -> InMemoryStore.Interloper<@Sendable (RolloutRecord) -> (RolloutRecord, AuditEvent)> {
        let machine = RolloutMachine(config: config)
        return .init(kind: kind) { stored in
            let changed = try! machine.apply(event, to: stored, at: stored.updatedAt.addingTimeInterval(1))
            return (changed, AuditEvent(at: changed.updatedAt, actor: actor, kind: "rollout.\(event.name)", subject: stored.id, message: "the other writer"))
        }
    }

    @Test func twoDeploysOfOneServiceRacingPastTheCheckStartOneRolloutNotTwo() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.waves))
        try await f.run {
            try await f.engine.operations.up(actor: "test")
            // Bob's deploy of payin v3 is stored after alice's deploy of v2 checked that none was in progress.
            f.store.interloper.withLock {
                $0 = .init(kind: "rollout.created") { hers in
                    let his = RolloutRecord(id: "payin-v3-0b0b", service: "payin", version: "v3", createdBy: "bob", at: hers.createdAt)
                    return (his, AuditEvent(at: his.createdAt, actor: "bob", kind: "rollout.created", subject: his.id, message: "bob's deploy"))
                }
            }
            do {
                _ = try await f.engine.rollouts.deploy(service: "payin", version: "v2", actor: "alice")
                Issue.record("a second rollout of payin must be refused while bob's runs")
            } catch let refusal as Refusal {
                #expect(refusal.kind == .conflict, "\(refusal)")
                #expect(refusal.reason == "a rollout of payin is already in progress: payin-v3-0b0b (running); abort it or wait", "\(refusal.reason)")
            }
            #expect(try await f.store.activeRollouts().map(\.id) == ["payin-v3-0b0b"], "alice's rollout was never stored")
        }
    }

    @Test func anAbortStoredWhileThePauseEndedIsNotOverwrittenByTheController() async throws {
        let config = try FakeEngine.config(waves: Self.waves)
        let f = FakeEngine(config: config)
        try await f.run {
            try await f.engine.operations.up(actor: "test")
            let id = try await f.engine.rollouts.deploy(service: "payin", version: "v2", actor: "test").id
            try await f.untilSleeping()
            #expect(try await f.engine.rollouts.rollout(id: id).phase == .paused)
            // Carol's abort lands after the controller read the paused rollout and before it stores the pause's end.
            f.store.interloper.withLock {
                $0 = Self.interloper("rollout.pause_elapsed", config, actor: "carol", .abortRequested(by: "carol", reason: "not today"))
            }
            f.clock.advance(by: 3600)
            let ended = try await f.settle(id)
            #expect(ended.phase == .rolledBack, "the abort stands: before, the controller's write replaced it and v2 was promoted")
            #expect(ended.reason == "aborted by carol: not today")
            let kinds = try await f.engine.rollouts.history(subject: id).map(\.kind)
            #expect(kinds.contains("rollout.write_conflict"))
            #expect(!kinds.contains("rollout.pause_elapsed"), "the refused write left no trace but its conflict")
            #expect(f.routers.groups("dc1", "payin").map { "\($0.version) \($0.weight)" } == ["v1 100"])
            #expect(f.driver.alive("v2").isEmpty)
        }
    }

    @Test func anApprovalReadBeforeARollbackIsDecidedAgainAndRefused() async throws {
        let config = try FakeEngine.config(waves: """
                    - name: canary
                      target: dc1
                      steps: [deploy, setWeight: 40, pause: approval, promote]
                """)
        let f = FakeEngine(config: config)
        try await f.run {
            try await f.engine.operations.up(actor: "test")
            let id = try await f.engine.rollouts.deploy(service: "payin", version: "v2", actor: "alice").id
            #expect(try await f.settle(id).phase == .awaitingApproval)
            // A rollback stored between bob's read and his write: his approval is decided again, on the rollback.
            f.store.interloper.withLock {
                $0 = Self.interloper("rollout.approved", config, actor: "railyard", .stepFailed(reason: "late regression: error rate ×3"))
            }
            await #expect {
                _ = try await f.engine.rollouts.approve(id: id, actor: "bob")
            } throws: { error in
                (error as? Refusal).map { $0.kind == .conflict && $0.reason.contains("rolling_back") } ?? false
            }
            let stored = try await f.engine.rollouts.rollout(id: id)
            #expect(stored.phase == .rollingBack || stored.phase == .rolledBack)
            #expect(stored.reason == "late regression: error rate ×3")
            let kinds = try await f.engine.rollouts.history(subject: id).map(\.kind)
            #expect(!kinds.contains("rollout.approved"))
        }
    }

    @Test func aChecklistApprovalReadBeforeAnotherItemWasAddedIsRefusedNotWrittenOverIt() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.waves))
        _ = try await f.engine.trains.create(id: "2026.48", captain: "carol", services: ["payin": "2026.48.1"], actor: "alice")
        _ = try await f.engine.trains.addApproval(train: "2026.48", title: "fees checked", assignee: "bob", actor: "carol")
        // Carol adds a second item between bob's read and his write.
        f.store.trainInterloper.withLock {
            $0 = .init(kind: "train.approval_given") { stored in
                var changed = stored
                changed.approvals.append(ApprovalItem(id: 2, title: "legal sign-off", assignee: "dave"))
                return changed
            }
        }
        await #expect(throws: StaleWrite.self) { try await f.engine.trains.approve(train: "2026.48", item: 1, actor: "bob", role: .approver) }
        var train = try await f.engine.trains.train(id: "2026.48")
        #expect(train.approvals.map(\.title) == ["fees checked", "legal sign-off"], "carol's item kept: before, bob's write replaced it")
        #expect(train.approvals[0].approvedBy == nil)
        #expect(!(try await f.store.events(subject: "train:2026.48", limit: 10).map(\.kind).contains("train.approval_given")))

        // Bob tries again, on what is stored: both stand.
        train = try await f.engine.trains.approve(train: "2026.48", item: 1, actor: "bob", role: .approver)
        #expect(try await f.engine.trains.train(id: "2026.48") == train)
        #expect(train.approvals.map(\.title) == ["fees checked", "legal sign-off"] && train.approvals[0].approvedBy == "bob")
    }

    @Test func theTrainControllerDecidesAgainWhenAPersonChangedTheTrainWhileItPlannedARollout() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: """
                    - name: canary
                      target: dc1
                      steps: [deploy, promote]
                """))
        _ = try await f.engine.trains.create(id: "2026.48", captain: "carol", services: ["payin": "v2"], actor: "alice")
        // A train already let into production, its release not begun.
        let created = try await f.engine.trains.train(id: "2026.48")
        var train = created
        train.state = .production
        train.release = TrainRelease(batches: [["payin"]], parallel: 1, scriptsFirst: false, previous: ["payin": "v1"], versions: ["payin": "v2"],
                                     at: f.clock.now())
        try await f.store.save(train, replacing: created, events: [])
        // Dave extends the production soak between the controller's read and its write of the first rollout's plan.
        let extended = SoakChange(kind: .extend, environment: "production", seconds: 3600, by: "dave", at: f.clock.now(), reason: "payday")
        f.store.trainInterloper.withLock {
            $0 = .init(kind: "train.release_rollout_planned") { stored in
                var changed = stored
                changed.soakChanges.append(extended)
                return changed
            }
        }
        try await f.run(services: [f.engine.controller, f.engine.trainController]) {
            try await f.engine.operations.up(actor: "test")
            for _ in 0..<5_000 where try await f.engine.trains.train(id: "2026.48").release?.phase == .deploying {
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        let ended = try await f.engine.trains.train(id: "2026.48")
        #expect(ended.release?.phase == .released, "\(String(describing: ended.release))")
        #expect(ended.soakChanges == [extended], "dave's change kept: before, the controller's write replaced it")
        #expect(ended.release?.entries.map(\.service) == ["payin"], "one rollout planned, on the second read")
        let rollouts = try await f.store.rollouts(limit: 10)
        #expect(rollouts.count == 1 && rollouts.first?.id == ended.release?.entries.first?.rolloutID && rollouts.first?.phase == .promoted)
        let kinds = try await f.store.events(subject: "train:2026.48", limit: 50).map(\.kind)
        #expect(kinds.filter { $0 == "train.write_conflict" }.count == 1 && kinds.filter { $0 == "train.release_rollout_planned" }.count == 1,
                "\(kinds)")
    }
}
