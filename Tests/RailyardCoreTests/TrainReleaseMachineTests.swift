import Foundation
import RailyardCore
import Testing

@Suite("Train release machine: dependency batches, the parallel limit, scripts first, the way back newest first")
struct TrainReleaseMachineTests {
    typealias Status = TrainReleaseMachine.RolloutStatus
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func release(_ batches: [[String]], parallel: Int = 2, scriptsFirst: Bool = false) -> TrainRelease {
        let services = batches.flatMap { $0 }
        return TrainRelease(batches: batches, parallel: parallel, scriptsFirst: scriptsFirst,
                            previous: Dictionary(uniqueKeysWithValues: services.map { ($0, "\($0)-old") }),
                            versions: Dictionary(uniqueKeysWithValues: services.map { ($0, "\($0)-new") }), at: now)
    }

    /// Plays the release to its end: each started rollout ends as `outcome` says (promoted unless
    /// listed), in the order they were started. Returns the actions taken.
    func play(_ start: TrainRelease, failing: Set<String> = [], failingReverts: Set<String> = []) -> (TrainRelease, [TrainReleaseMachine.Action]) {
        var release = start
        var statuses: [String: Status] = [:]
        var actions: [TrainReleaseMachine.Action] = []
        for _ in 0..<100 {
            let action = TrainReleaseMachine.nextAction(release, statuses: statuses)
            actions.append(action)
            switch action {
            case .start(let service, let version, let purpose):
                let id = "\(purpose.rawValue)-\(service)"
                release.entries.append(.init(service: service, version: version, rolloutID: id, purpose: purpose))
                statuses[id] = Status(phase: .running, scriptsDone: false)
            case .waitForRollouts:
                // The oldest rollout still running ends.
                guard let entry = release.entries.first(where: { statuses[$0.rolloutID]!.phase.isActive }) else {
                    Issue.record("waits with nothing running")
                    return (release, actions)
                }
                let fails = entry.purpose == .deploy ? failing.contains(entry.service) : failingReverts.contains(entry.service)
                statuses[entry.rolloutID] = fails ? Status(phase: .rolledBack, reason: "\(entry.service) smoke failed") : Status(phase: .promoted)
            case .fail(let reason):
                release.phase = .reverting
                release.reason = reason
            case .abort(let id, _):
                statuses[id] = Status(phase: .rolledBack, reason: "aborted")
            case .approveRevert(let id):
                statuses[id] = Status(phase: .running)
            case .releaseHolds(let ids):
                for id in ids { statuses[id] = Status(phase: .running) }
            case .rollbackScripts:
                release.scriptsRolledBack = true
            case .finish(let phase, let reason):
                release.phase = phase
                release.reason = reason
                return (release, actions)
            case .none, .waitForFreeze:
                return (release, actions)
            }
        }
        Issue.record("the release never ended")
        return (release, actions)
    }

    func started(_ actions: [TrainReleaseMachine.Action]) -> [String] {
        actions.compactMap { if case .start(let service, _, let purpose) = $0 { "\(purpose.rawValue) \(service)" } else { nil } }
    }

    @Test func aChainDeploysOneBatchAfterTheOther() {
        let (ended, actions) = play(release([["fx"], ["wallet"], ["payin"]]))
        #expect(started(actions) == ["deploy fx", "deploy wallet", "deploy payin"])
        #expect(ended.phase == .released)
        // Never two of the chain at once: each start follows the previous one's end.
        let indices = actions.indices.filter { if case .start = actions[$0] { true } else { false } }
        #expect(zip(indices, indices.dropFirst()).allSatisfy { $1 - $0 == 2 }, "\(actions)")
    }

    @Test func independentServicesGoInParallelUpToTheLimit() {
        let wide = release([["a", "b", "c", "d", "e"]], parallel: 2)
        var statuses: [String: Status] = [:]
        var current = wide
        for service in ["a", "b"] {
            #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .start(service: service, version: "\(service)-new", purpose: .deploy))
            current.entries.append(.init(service: service, version: "\(service)-new", rolloutID: service, purpose: .deploy))
            statuses[service] = Status(phase: .running)
        }
        #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .waitForRollouts, "a third would exceed parallel: 2")
        statuses["a"] = Status(phase: .promoted)
        #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .start(service: "c", version: "c-new", purpose: .deploy))
        #expect(play(release([["a", "b", "c"]], parallel: 3)).0.phase == .released)
    }

    @Test func scriptsRunFirstInTheFirstRolloutAlone() {
        var current = release([["a", "b"]], scriptsFirst: true)
        current.entries.append(.init(service: "a", version: "a-new", rolloutID: "a", purpose: .deploy))
        #expect(TrainReleaseMachine.nextAction(current, statuses: ["a": Status(phase: .running, scriptsDone: false)]) == .waitForRollouts)
        #expect(TrainReleaseMachine.nextAction(current, statuses: ["a": Status(phase: .running, scriptsDone: true)])
                == .start(service: "b", version: "b-new", purpose: .deploy))
        current.scriptsFirst = false
        #expect(TrainReleaseMachine.nextAction(current, statuses: ["a": Status(phase: .running, scriptsDone: false)])
                == .start(service: "b", version: "b-new", purpose: .deploy))
    }

    @Test func aFailureRevertsWhatIsOutNewestFirstThenTheScripts() {
        let (ended, actions) = play(release([["fx"], ["wallet"], ["payin"]]), failing: ["payin"])
        #expect(started(actions) == ["deploy fx", "deploy wallet", "deploy payin", "revert wallet", "revert fx"])
        #expect(actions.contains(.start(service: "wallet", version: "wallet-old", purpose: .revert)), "a revert puts back the version that ran before")
        #expect(ended.phase == .rolledBack)
        #expect(ended.reason == "payin payin-new rolled back (deploy-payin): payin smoke failed")
        #expect(actions.suffix(2).first == .rollbackScripts, "scripts go back last")
    }

    @Test func aFailureAbortsTheRolloutsStillInFlight() {
        var current = release([["a", "b"]])
        current.entries = [.init(service: "a", version: "a-new", rolloutID: "a", purpose: .deploy),
                           .init(service: "b", version: "b-new", rolloutID: "b", purpose: .deploy)]
        var statuses = ["a": Status(phase: .rolledBack, reason: "errors"), "b": Status(phase: .paused)]
        guard case .fail(let reason) = TrainReleaseMachine.nextAction(current, statuses: statuses) else { Issue.record("no fail"); return }
        current.phase = .reverting
        current.reason = reason
        #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .abort(rolloutID: "b", reason: "train release reverting: \(reason)"))
        statuses["b"] = Status(phase: .rollingBack)
        #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .waitForRollouts, "its own rollback runs to its end first")
        statuses["b"] = Status(phase: .rolledBack)
        #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .rollbackScripts, "nothing was out: no revert")
    }

    @Test func aRevertWaitingForApprovalIsApprovedAndAFailedRevertIsStuck() {
        var current = release([["a"], ["b"]])
        current.phase = .reverting
        current.reason = "b failed"
        current.entries = [.init(service: "a", version: "a-new", rolloutID: "a", purpose: .deploy),
                           .init(service: "b", version: "b-new", rolloutID: "b", purpose: .deploy),
                           .init(service: "a", version: "a-old", rolloutID: "ra", purpose: .revert)]
        var statuses = ["a": Status(phase: .promoted), "b": Status(phase: .rolledBack), "ra": Status(phase: .awaitingApproval)]
        #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .approveRevert(rolloutID: "ra"))
        statuses["ra"] = Status(phase: .rolledBack, reason: "old version unhealthy")
        guard case .finish(.stuck, let reason?) = TrainReleaseMachine.nextAction(current, statuses: statuses) else {
            Issue.record("a failed revert did not stop the release"); return
        }
        #expect(reason.contains("revert of a to a-old failed") && reason.contains("old version unhealthy") && reason.contains("b failed"))
    }

    @Test func anEntryNotYetCreatedCountsAsRunning() {
        var current = release([["a"], ["b"]])
        current.entries = [.init(service: "a", version: "a-new", rolloutID: "a", purpose: .deploy)]
        #expect(TrainReleaseMachine.nextAction(current, statuses: [:]) == .waitForRollouts)
        current.phase = .released
        #expect(TrainReleaseMachine.nextAction(current, statuses: [:]) == .none)
    }

    @Test func aFreezeHoldsTheFirstRolloutOnly() {
        let freeze = Timetable.Freeze(name: "month-end", from: now, until: now.addingTimeInterval(3600))
        var current = release([["a"], ["b"]])
        guard case .waitForFreeze(let until, let reason) = TrainReleaseMachine.nextAction(current, statuses: [:], freeze: freeze) else {
            Issue.record("the release started during a freeze"); return
        }
        #expect(until == freeze.until && reason.contains("production frozen (month-end)"))
        #expect(TrainReleaseMachine.nextAction(current, statuses: [:]) == .start(service: "a", version: "a-new", purpose: .deploy))
        current.entries = [.init(service: "a", version: "a-new", rolloutID: "a", purpose: .deploy)]
        #expect(TrainReleaseMachine.nextAction(current, statuses: ["a": Status(phase: .promoted)], freeze: freeze)
                == .start(service: "b", version: "b-new", purpose: .deploy), "a release under way is not cut in two")
    }

    @Test func heldRolloutsGoOnTogetherOnceNoServiceOfTheBatchIsBeforeItsHold() {
        var current = release([["a", "b", "c"]], parallel: 2)
        current.entries = [.init(service: "a", version: "a-new", rolloutID: "a", purpose: .deploy),
                           .init(service: "b", version: "b-new", rolloutID: "b", purpose: .deploy)]
        let held = Status(phase: .awaitingApproval, heldBefore: "dc2")
        var statuses = ["a": held, "b": Status(phase: .running)]
        #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .start(service: "c", version: "c-new", purpose: .deploy),
                "a held rollout does not count against parallel: 2")
        current.entries.append(.init(service: "c", version: "c-new", rolloutID: "c", purpose: .deploy))
        statuses["c"] = Status(phase: .running)
        #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .waitForRollouts, "b and c are still in dc1")
        statuses["b"] = held
        #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .waitForRollouts, "c is still in dc1")
        statuses["c"] = held
        #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .releaseHolds(rolloutIDs: ["a", "b"]), "parallel at a time")
        statuses["a"] = Status(phase: .running)
        statuses["b"] = Status(phase: .running)
        #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .waitForRollouts)
        statuses["a"] = Status(phase: .promoted)
        statuses["b"] = Status(phase: .promoted)
        #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .releaseHolds(rolloutIDs: ["c"]))
        // A failure while held takes the held rollouts back like any in flight.
        statuses = ["a": Status(phase: .rolledBack, reason: "errors"), "b": held, "c": held]
        guard case .fail(let reason) = TrainReleaseMachine.nextAction(current, statuses: statuses) else { Issue.record("no fail"); return }
        current.phase = .reverting
        current.reason = reason
        #expect(TrainReleaseMachine.nextAction(current, statuses: statuses) == .abort(rolloutID: "b", reason: "train release reverting: \(reason)"))
    }
}
