import Foundation

/// The rollout state machine: pure transitions over `RolloutRecord`, no I/O.
public struct RolloutMachine: Sendable {
    public let deployment: DeploymentSpec
    /// Targets in promotion order, for building rollback plans.
    public let targetOrder: [String]

    public init(deployment: DeploymentSpec, targetOrder: [String]) {
        self.deployment = deployment
        self.targetOrder = targetOrder
    }

    public init(config: RailyardConfig) {
        self.init(deployment: config.deployment, targetOrder: config.targets.map(\.name))
    }

    public func wave(of record: RolloutRecord) -> WaveSpec { deployment.waves[record.cursor.wave] }
    /// The step at the rollout's cursor, as its adjustments (a train's risk policy) make it.
    public func step(of record: RolloutRecord) -> StepSpec {
        let step = deployment.waves[record.cursor.wave].steps[record.cursor.step]
        return record.adjustments?.adjust(step) ?? step
    }

    /// Where a rollout stands, as the audit log's before and after: "running at canary/setWeight: 25".
    public func position(of record: RolloutRecord) -> String {
        guard let wave = deployment.waves.indices.contains(record.cursor.wave) ? deployment.waves[record.cursor.wave] : deployment.waves.last,
              let step = wave.steps.indices.contains(record.cursor.step) ? wave.steps[record.cursor.step] : wave.steps.last else {
            return record.phase.rawValue
        }
        return "\(record.phase.rawValue) at \(wave.name)/\((record.adjustments?.adjust(step) ?? step).description)"
    }

    public func apply(_ event: RolloutEvent, to record: RolloutRecord, at now: Date) throws(RolloutTransitionError) -> RolloutRecord {
        var next = record
        next.updatedAt = now
        switch (record.phase, event) {
        case (.running, .stepStarted(let intent)):
            guard !record.stepStarted else { throw refuse(event, record, "the step has already started") }
            next.stepStarted = true
            apply(intent, to: &next)

        case (.running, .scriptStarted(let name)):
            guard record.stepStarted, step(of: record) == .scripts else { throw refuse(event, record, "the current step is not a started 'scripts' step") }
            if !next.appliedScripts.contains(name) { next.appliedScripts.append(name) }

        case (.running, .stepCompleted):
            guard record.stepStarted else { throw refuse(event, record, "the step has not started") }
            advance(&next)

        case (.running, .pauseStarted(let until)):
            guard case .pause = step(of: record) else { throw refuse(event, record, "the current step is not a pause") }
            next.stepStarted = true
            next.phase = .paused
            next.pauseUntil = until

        case (.paused, .pauseElapsed):
            next.pauseUntil = nil
            advance(&next)

        case (.running, .approvalRequested):
            guard step(of: record) == .approval else { throw refuse(event, record, "the current step is not an approval") }
            next.stepStarted = true
            next.phase = .awaitingApproval
            next.reason = "waiting for approval at wave '\(wave(of: record).name)'"

        case (.running, .analysisInconclusive(let reason)):
            guard case .analysis = step(of: record) else { throw refuse(event, record, "the current step is not an analysis") }
            next.stepStarted = true
            next.phase = .awaitingApproval
            next.reason = reason

        case (.running, .promoteHeld(let reason)):
            guard case .promote = step(of: record), !record.stepStarted else { throw refuse(event, record, "the current step is not a promote yet to run") }
            guard record.heldPromoteApproved != record.cursor else { throw refuse(event, record, "a person already approved this promote despite its held alarm") }
            next.phase = .awaitingApproval
            next.reason = reason

        case (.awaitingApproval, .approved):
            next.reason = nil
            if record.heldBefore != nil {
                // A hold comes before the wave's first step, which has not run yet.
                next.heldBefore = nil
                next.phase = .running
            } else if case .promote = step(of: record), !record.stepStarted {
                // A held promote (only `promoteHeld` waits there): approved, it runs, and does not hold again.
                next.heldPromoteApproved = record.cursor
                next.phase = .running
            } else {
                advance(&next)
            }

        case (.running, .stepFailed(let reason)), (.paused, .stepFailed(let reason)), (.awaitingApproval, .stepFailed(let reason)):
            startRollback(&next, reason: reason)

        case (.running, .abortRequested(let by, let reason)), (.paused, .abortRequested(let by, let reason)),
             (.awaitingApproval, .abortRequested(let by, let reason)):
            startRollback(&next, reason: "aborted by \(by): \(reason)")

        case (.rollingBack, .rollbackActionDone):
            guard record.rollbackDone < record.rollbackPlan.count else { throw refuse(event, record, "the rollback plan is already done") }
            next.rollbackDone += 1
            if next.rollbackDone == next.rollbackPlan.count { next.phase = .rolledBack }

        case (.finishing, .finished):
            next.phase = .promoted
            next.reason = nil

        case (.rollingBack, .abortRequested):
            throw refuse(event, record, "it is already rolling back")
        case (.finishing, .abortRequested):
            throw refuse(event, record, "every wave has passed; the old version is being retired")
        default:
            throw refuse(event, record, nil)
        }
        return next
    }

    /// Records an intent before its side effect, so a rollback plan built later covers it.
    func apply(_ intent: StepIntent, to record: inout RolloutRecord) {
        switch intent {
        case .none: break
        case .deploy(let target, let stable):
            record.targets[target, default: TargetProgress(stableVersion: stable)].deployed = true
        case .setWeight(let target, let weight):
            record.targets[target, default: TargetProgress(stableVersion: "?")].canaryWeight = weight
        case .promote(let target, let stable):
            record.targets[target, default: TargetProgress(stableVersion: stable)].promoted = true
            record.targets[target]!.canaryWeight = 100
        }
    }

    func advance(_ record: inout RolloutRecord) {
        record.stepStarted = false
        record.pauseUntil = nil
        if let next = record.cursor.advanced(in: deployment) {
            let from = deployment.waves[record.cursor.wave].target
            record.cursor = next
            record.phase = .running
            if next.step == 0, let target = deployment.waves[next.wave].target, target != from,
               record.adjustments?.holdBefore.contains(target) == true {
                record.phase = .awaitingApproval
                record.heldBefore = target
                record.reason = "held before \(target): its train lets it go on once every service of its batch has finished the waves before"
            }
        } else {
            record.phase = .finishing
        }
    }

    func startRollback(_ record: inout RolloutRecord, reason: String) {
        record.phase = .rollingBack
        record.reason = reason
        record.heldBefore = nil
        record.pauseUntil = nil
        record.rollbackPlan = RollbackAction.plan(for: record, targetOrder: targetOrder)
        record.rollbackDone = 0
        if record.rollbackPlan.isEmpty { record.phase = .rolledBack }
    }

    func refuse(_ event: RolloutEvent, _ record: RolloutRecord, _ why: String?) -> RolloutTransitionError {
        RolloutTransitionError("rollout \(record.id) cannot take '\(event.name)' while \(record.phase.rawValue)" + (why.map { ": \($0)" } ?? ""))
    }

    /// What the engine must do next for a rollout in this state.
    public func nextAction(for record: RolloutRecord) -> RolloutAction {
        switch record.phase {
        case .running: .runStep(step(of: record), wave: wave(of: record), resuming: record.stepStarted)
        case .paused: .waitUntil(record.pauseUntil ?? record.updatedAt)
        case .awaitingApproval: .waitForApproval
        case .rollingBack: .rollback(record.rollbackPlan[record.rollbackDone])
        case .finishing: .retireOldVersion
        case .promoted, .rolledBack: .none
        }
    }
}

/// The side effect the engine performs next; computed, never stored.
public enum RolloutAction: Sendable, Equatable {
    case runStep(StepSpec, wave: WaveSpec, resuming: Bool)
    case waitUntil(Date)
    case waitForApproval
    case rollback(RollbackAction)
    case retireOldVersion
    case none
}
