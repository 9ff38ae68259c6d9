import Foundation
import RailyardCore
import Testing

/// A train's risk policy changes its rollouts' steps as the machine reads them, and holds them before dc2.
@Suite("Rollout adjustments: smaller weights, longer bakes and analyses, the hold before dc2")
struct RolloutAdjustmentsTests {
    let deployment = DeploymentSpec(waves: [
        WaveSpec(name: "canary", target: "dc1", steps: [.deploy, .setWeight(10), .pause(.seconds(30)), .analysis(.default), .promote]),
        WaveSpec(name: "dc1", target: "dc1", steps: [.setWeight(100)]),
        WaveSpec(name: "dc2", target: "dc2", steps: [.deploy, .setWeight(1), .promote]),
    ])
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func eachFactorChangesItsKindOfStepOnly() {
        let adjustments = RolloutAdjustments(weightFactor: 0.5, bakeFactor: 2, analysisFactor: 3)
        #expect(adjustments.adjust(.setWeight(10)) == .setWeight(5))
        #expect(adjustments.adjust(.setWeight(1)) == .setWeight(1), "never 0: that is no canary")
        #expect(adjustments.adjust(.setWeight(100)) == .setWeight(100), "a promotion stays whole")
        #expect(RolloutAdjustments(weightFactor: 2).adjust(.setWeight(75)) == .setWeight(99), "never 100 by scaling")
        #expect(adjustments.adjust(.pause(.seconds(30))) == .pause(.seconds(60)))
        guard case .analysis(let spec) = adjustments.adjust(.analysis(.default)) else { Issue.record("not an analysis"); return }
        #expect(spec.maxDuration == .seconds(900) && spec.interval == AnalysisSpec.default.interval && spec.alpha == AnalysisSpec.default.alpha)
        for step: StepSpec in [.deploy, .smoke, .promote, .approval, .scripts] { #expect(adjustments.adjust(step) == step) }
        #expect(RolloutAdjustments.none.isNone && !adjustments.isNone && !RolloutAdjustments(holdBefore: ["dc2"]).isNone)
    }

    @Test func theMachineRunsTheAdjustedStepAndItsPosition() throws {
        let machine = RolloutMachine(deployment: deployment, targetOrder: ["dc1", "dc2"])
        var record = RolloutRecord(id: "r", service: "payin", version: "v2", createdBy: "train:2026.48", at: now)
        record.adjustments = RolloutAdjustments(weightFactor: 0.5, bakeFactor: 2)
        record.cursor = StepCursor(wave: 0, step: 1)
        #expect(machine.nextAction(for: record) == .runStep(.setWeight(5), wave: deployment.waves[0], resuming: false))
        #expect(machine.position(of: record) == "running at canary/setWeight: 5")
        record.cursor = StepCursor(wave: 0, step: 2)
        let paused = try machine.apply(.pauseStarted(until: now.addingTimeInterval(60)), to: record, at: now)
        #expect(paused.phase == .paused, "the adjusted pause is still a pause")
    }

    @Test func aHoldStopsBeforeTheTargetsFirstWaveAndItsApprovalDoesNotSkipAStep() throws {
        let machine = RolloutMachine(deployment: deployment, targetOrder: ["dc1", "dc2"])
        var record = RolloutRecord(id: "r", service: "payin", version: "v2", createdBy: "train:2026.48", at: now)
        record.adjustments = RolloutAdjustments(holdBefore: ["dc1", "dc2"])
        record.targets["dc1"] = TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 100, promoted: true)
        // canary → dc1 wave: same target, no hold.
        record.cursor = StepCursor(wave: 0, step: 4)
        record.stepStarted = true
        var next = try machine.apply(.stepCompleted, to: record, at: now)
        #expect(next.phase == .running && next.cursor == StepCursor(wave: 1, step: 0) && next.heldBefore == nil)
        // dc1 → dc2: held at dc2's first step, with the reason.
        next.stepStarted = true
        next = try machine.apply(.stepCompleted, to: next, at: now)
        #expect(next.phase == .awaitingApproval && next.heldBefore == "dc2" && next.cursor == StepCursor(wave: 2, step: 0))
        #expect(next.reason?.contains("held before dc2") == true && machine.position(of: next) == "awaiting_approval at dc2/deploy")
        let released = try machine.apply(.approved(by: "railyard"), to: next, at: now)
        #expect(released.phase == .running && released.heldBefore == nil && released.cursor == StepCursor(wave: 2, step: 0) && !released.stepStarted,
                "dc2's deploy still runs")
        let aborted = try machine.apply(.abortRequested(by: "bob", reason: "errors"), to: next, at: now)
        #expect(aborted.phase == .rollingBack && aborted.heldBefore == nil)
        // Without adjustments nothing holds.
        record.adjustments = nil
        record.cursor = StepCursor(wave: 1, step: 0)
        #expect(try machine.apply(.stepCompleted, to: record, at: now).phase == .running)
    }

    @Test func aRecordStoredBeforeAdjustmentsExistedReadsBack() throws {
        let record = RolloutRecord(id: "r", service: "payin", version: "v2", createdBy: "alice", at: now)
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as! [String: Any]
        json.removeValue(forKey: "adjustments")
        json.removeValue(forKey: "heldBefore")
        let read = try JSONDecoder().decode(RolloutRecord.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(read.adjustments == nil && read.heldBefore == nil && read.id == "r")
    }
}
