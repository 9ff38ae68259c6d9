import Foundation
import Testing

@testable import RailyardCore

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
private let order = ["nightly", "staging", "dc1", "dc2"]

private let deployment = DeploymentSpec(waves: [
    WaveSpec(name: "pre-deployment", target: nil, steps: [.scripts]),
    WaveSpec(name: "staging", target: "staging", steps: [.deploy, .smoke, .promote]),
    WaveSpec(name: "canary", target: "dc1", steps: [.deploy, .setWeight(10), .pause(.seconds(30)), .approval, .promote]),
    WaveSpec(name: "dc2", target: "dc2", steps: [.deploy, .setWeight(50), .promote]),
])
private let machine = RolloutMachine(deployment: deployment, targetOrder: order)

private func record(targets: [String: TargetProgress] = [:], scripts: [String] = []) -> RolloutRecord {
    var record = RolloutRecord(id: "r-1", service: "core", version: "v2", createdBy: "alice", at: t0)
    record.targets = targets
    record.appliedScripts = scripts
    return record
}

/// The rollback order: traffic back to stable (latest target first), then new instances stopped
/// (same order), then scripts undone in reverse.
@Suite("Rollback plan")
struct RollbackPlanTests {
    @Test("traffic first, then instances, then scripts; later targets before earlier ones")
    func fullOrder() {
        let plan = RollbackAction.plan(for: record(targets: [
            "staging": TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 100, promoted: true),
            "dc1": TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 100, promoted: true),
            "dc2": TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 10),
        ], scripts: ["a", "b", "c"]), targetOrder: order)
        #expect(plan == [
            .routeToStable(target: "dc2"), .routeToStable(target: "dc1"), .routeToStable(target: "staging"),
            .stopNewInstances(target: "dc2"), .stopNewInstances(target: "dc1"), .stopNewInstances(target: "staging"),
            .rollbackScript(name: "c"), .rollbackScript(name: "b"), .rollbackScript(name: "a"),
        ])
    }

    @Test("a deployed target is routed back to stable even at 0%, then its instances are stopped")
    func deployedWithoutTraffic() {
        let plan = RollbackAction.plan(for: record(targets: [
            "staging": TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 100, promoted: true),
            "dc1": TargetProgress(stableVersion: "v1", deployed: true),
        ]), targetOrder: order)
        #expect(plan == [
            .routeToStable(target: "dc1"), .routeToStable(target: "staging"),
            .stopNewInstances(target: "dc1"), .stopNewInstances(target: "staging"),
        ])
    }

    @Test("traffic recorded without a deploy is routed back, with no instances to stop")
    func trafficWithoutDeploy() {
        let plan = RollbackAction.plan(for: record(targets: [
            "dc1": TargetProgress(stableVersion: "?", canaryWeight: 5),
        ]), targetOrder: order)
        #expect(plan == [.routeToStable(target: "dc1")])
    }

    @Test("a promoted target is routed back even at weight 0")
    func promotedAtZero() {
        let plan = RollbackAction.plan(for: record(targets: [
            "dc1": TargetProgress(stableVersion: "v1", deployed: false, canaryWeight: 0, promoted: true),
        ]), targetOrder: order)
        #expect(plan == [.routeToStable(target: "dc1")])
    }

    @Test("a target recorded with nothing done needs nothing")
    func touchedButIdle() {
        let plan = RollbackAction.plan(for: record(targets: ["dc1": TargetProgress(stableVersion: "v1")]), targetOrder: order)
        #expect(plan == [])
    }

    @Test("targets are ordered by the promotion order given, not by name")
    func orderComesFromTargetOrder() {
        let targets = [
            "alpha": TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 10),
            "zulu": TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 10),
        ]
        #expect(RollbackAction.plan(for: record(targets: targets), targetOrder: ["zulu", "alpha"]) == [
            .routeToStable(target: "alpha"), .routeToStable(target: "zulu"),
            .stopNewInstances(target: "alpha"), .stopNewInstances(target: "zulu"),
        ])
        #expect(RollbackAction.plan(for: record(targets: targets), targetOrder: ["alpha", "zulu"]) == [
            .routeToStable(target: "zulu"), .routeToStable(target: "alpha"),
            .stopNewInstances(target: "zulu"), .stopNewInstances(target: "alpha"),
        ])
    }

    @Test("scripts only: undone in reverse order of application")
    func scriptsOnly() {
        #expect(RollbackAction.plan(for: record(scripts: ["001", "002"]), targetOrder: order)
                == [.rollbackScript(name: "002"), .rollbackScript(name: "001")])
    }

    @Test("actions describe themselves")
    func descriptions() {
        #expect(RollbackAction.routeToStable(target: "dc1").description == "route all of dc1's traffic to stable")
        #expect(RollbackAction.stopNewInstances(target: "dc2").description == "stop the new version's instances in dc2")
        #expect(RollbackAction.rollbackScript(name: "add-column").description == "run rollback script of add-column")
    }

    // MARK: - Through the machine

    @Test("an untouched rollout rolls back at once, with an empty plan")
    func untouched() throws {
        let fresh = record()
        let aborted = try machine.apply(.abortRequested(by: "bob", reason: "wrong train"), to: fresh, at: t0)
        #expect(aborted.phase == .rolledBack)
        #expect(aborted.rollbackPlan == [])
        #expect(aborted.rollbackDone == 0)
        #expect(aborted.reason == "aborted by bob: wrong train")
        #expect(machine.nextAction(for: aborted) == RolloutAction.none)

        // A started step with no intent has not touched anything either.
        let started = try machine.apply(.stepStarted(.none), to: fresh, at: t0)
        let failed = try machine.apply(.stepFailed(reason: "script missing"), to: started, at: t0)
        #expect(failed.phase == .rolledBack)
        #expect(failed.reason == "script missing")
    }

    @Test("intents recorded before their side effect are covered: a started script, a started deploy")
    func intentsAreCovered() throws {
        var r = record()
        r = try machine.apply(.stepStarted(.none), to: r, at: t0)
        r = try machine.apply(.scriptStarted(name: "001"), to: r, at: t0)
        let duringScript = try machine.apply(.stepFailed(reason: "001 exited 1"), to: r, at: t0)
        #expect(duringScript.phase == .rollingBack)
        #expect(duringScript.rollbackPlan == [.rollbackScript(name: "001")])

        r = try machine.apply(.stepCompleted, to: r, at: t0)
        r = try machine.apply(.stepStarted(.deploy(target: "staging", stableVersion: "v1")), to: r, at: t0)
        let duringDeploy = try machine.apply(.stepFailed(reason: "health check timed out"), to: r, at: t0)
        #expect(duringDeploy.rollbackPlan == [.routeToStable(target: "staging"), .stopNewInstances(target: "staging"), .rollbackScript(name: "001")])
    }

    @Test("rollbackActionDone walks the plan in order and ends in rolledBack")
    func countsToRolledBack() throws {
        var r = record()
        let steps: [RolloutEvent] = [
            .stepStarted(.none), .scriptStarted(name: "001"), .scriptStarted(name: "002"), .stepCompleted,
            .stepStarted(.deploy(target: "staging", stableVersion: "v1")), .stepCompleted,
            .stepStarted(.none), .stepCompleted,
            .stepStarted(.promote(target: "staging", stableVersion: "v1")), .stepCompleted,
            .stepStarted(.deploy(target: "dc1", stableVersion: "v1")), .stepCompleted,
            .stepStarted(.setWeight(target: "dc1", weight: 10)), .stepCompleted,
            .pauseStarted(until: t0.addingTimeInterval(30)),
        ]
        for event in steps { r = try machine.apply(event, to: r, at: t0) }
        #expect(r.phase == .paused)

        r = try machine.apply(.stepFailed(reason: "canary worse than baseline"), to: r, at: t0)
        let plan: [RollbackAction] = [
            .routeToStable(target: "dc1"), .routeToStable(target: "staging"),
            .stopNewInstances(target: "dc1"), .stopNewInstances(target: "staging"),
            .rollbackScript(name: "002"), .rollbackScript(name: "001"),
        ]
        #expect(r.rollbackPlan == plan)
        #expect(r.reason == "canary worse than baseline")

        var performed: [RollbackAction] = []
        while r.phase == .rollingBack, performed.count <= plan.count {
            guard case .rollback(let action) = machine.nextAction(for: r) else {
                Issue.record("rolling back must ask for a rollback action")
                break
            }
            performed.append(action)
            r = try machine.apply(.rollbackActionDone, to: r, at: t0)
            #expect(r.rollbackDone == performed.count)
        }
        #expect(performed == plan)
        #expect(r.phase == .rolledBack)
        #expect(r.reason == "canary worse than baseline")
        #expect(machine.nextAction(for: r) == RolloutAction.none)
        #expect(throws: RolloutTransitionError("rollout r-1 cannot take 'rollback_action_done' while rolled_back")) {
            try machine.apply(.rollbackActionDone, to: r, at: t0)
        }
    }

    @Test("an abort while rolling back is refused and leaves the plan alone")
    func abortWhileRollingBack() throws {
        var r = record(targets: ["dc1": TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 10)])
        r.cursor = StepCursor(wave: 2, step: 2)
        r = try machine.apply(.stepFailed(reason: "boom"), to: r, at: t0)
        #expect(r.rollbackPlan == [.routeToStable(target: "dc1"), .stopNewInstances(target: "dc1")])
        #expect(throws: RolloutTransitionError("rollout r-1 cannot take 'abort_requested' while rolling_back: it is already rolling back")) {
            try machine.apply(.abortRequested(by: "bob", reason: "again"), to: r, at: t0)
        }
    }

    /// setWeight: 20 then setWeight: 0. The second intent overwrites canaryWeight with 0 *before* the router
    /// changes; if the step fails or the process dies there, the router may still send 20% to the new
    /// version, yet the plan has no routeToStable and stops the instances that still take traffic.
    @Test
    func loweringTheWeightStillRoutesBack() throws {
        let rampDown = DeploymentSpec(waves: [
            WaveSpec(name: "canary", target: "dc1", steps: [.deploy, .setWeight(20), .setWeight(0), .promote]),
        ])
        let machine = RolloutMachine(deployment: rampDown, targetOrder: ["dc1"])
        var r = record()
        for event: RolloutEvent in [
            .stepStarted(.deploy(target: "dc1", stableVersion: "v1")), .stepCompleted,
            .stepStarted(.setWeight(target: "dc1", weight: 20)), .stepCompleted,
            .stepStarted(.setWeight(target: "dc1", weight: 0)),
        ] { r = try machine.apply(event, to: r, at: t0) }
        r = try machine.apply(.stepFailed(reason: "router unreachable"), to: r, at: t0)
        #expect(r.rollbackPlan == [.routeToStable(target: "dc1"), .stopNewInstances(target: "dc1")])
    }
}
