import Foundation
import Testing

@testable import RailyardCore

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
private let t1 = t0.addingTimeInterval(60)
private let pauseEnd = t0.addingTimeInterval(30)

/// scripts → staging (deploy, smoke, promote) → canary in dc1 → dc2, as in the brief.
private let deployment = DeploymentSpec(waves: [
    WaveSpec(name: "pre-deployment", target: nil, steps: [.scripts]),
    WaveSpec(name: "staging", target: "staging", steps: [.deploy, .smoke, .promote]),
    WaveSpec(name: "canary", target: "dc1", steps: [
        .deploy, .setWeight(10), .pause(.seconds(30)), .approval, .setWeight(50), .analysis(.default), .promote,
    ]),
    WaveSpec(name: "dc2", target: "dc2", steps: [.deploy, .promote]),
])
private let machine = RolloutMachine(deployment: deployment, targetOrder: ["nightly", "staging", "dc1", "dc2"])

/// A rollout of core v2 that has run the scripts, promoted staging, deployed in dc1 and sent it 10%.
private func canaryRecord(phase: RolloutPhase = .running, cursor: StepCursor, started: Bool) -> RolloutRecord {
    var record = RolloutRecord(id: "r-1", service: "core", version: "v2", createdBy: "alice", at: t0)
    record.phase = phase
    record.cursor = cursor
    record.stepStarted = started
    record.appliedScripts = ["add-column", "backfill"]
    record.targets = [
        "staging": TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 100, promoted: true),
        "dc1": TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 10),
    ]
    return record
}

/// The plan `canaryRecord` rolls back with: traffic (dc1 then staging), instances, scripts in reverse.
private let canaryPlan: [RollbackAction] = [
    .routeToStable(target: "dc1"), .routeToStable(target: "staging"),
    .stopNewInstances(target: "dc1"), .stopNewInstances(target: "staging"),
    .rollbackScript(name: "backfill"), .rollbackScript(name: "add-column"),
]

/// One event of each kind.
private let allEvents: [RolloutEvent] = [
    .stepStarted(.none),
    .scriptStarted(name: "add-column"),
    .stepCompleted,
    .pauseStarted(until: pauseEnd),
    .pauseElapsed,
    .approvalRequested,
    .analysisInconclusive(reason: "no verdict after 5m"),
    .promoteHeld(reason: "a late alarm carried by canary instance 127.0.0.1:9001 alone"),
    .approved(by: "carol"),
    .stepFailed(reason: "smoke failed"),
    .abortRequested(by: "bob", reason: "error rate"),
    .rollbackActionDone,
    .finished,
]

/// For each phase × event: a record in that phase, placed where the event's own preconditions hold
/// (when the phase allows it at all), so the matrix tests the phase rules, not the guards.
private func fixture(_ phase: RolloutPhase, _ event: RolloutEvent) -> RolloutRecord {
    switch phase {
    case .running:
        switch event {
        case .stepStarted: return canaryRecord(cursor: StepCursor(wave: 2, step: 1), started: false)
        case .scriptStarted:
            var record = RolloutRecord(id: "r-1", service: "core", version: "v2", createdBy: "alice", at: t0)
            record.stepStarted = true
            return record
        case .pauseStarted, .pauseElapsed: return canaryRecord(cursor: StepCursor(wave: 2, step: 2), started: false)
        case .approvalRequested, .approved: return canaryRecord(cursor: StepCursor(wave: 2, step: 3), started: false)
        case .analysisInconclusive: return canaryRecord(cursor: StepCursor(wave: 2, step: 5), started: false)
        case .promoteHeld: return canaryRecord(cursor: StepCursor(wave: 2, step: 6), started: false)
        case .finished: return canaryRecord(cursor: StepCursor(wave: 3, step: 1), started: true)
        default: return canaryRecord(cursor: StepCursor(wave: 2, step: 1), started: true)
        }
    case .paused:
        var record = canaryRecord(phase: .paused, cursor: StepCursor(wave: 2, step: 2), started: true)
        record.pauseUntil = pauseEnd
        return record
    case .awaitingApproval:
        var record = canaryRecord(phase: .awaitingApproval, cursor: StepCursor(wave: 2, step: 3), started: true)
        record.reason = "waiting for approval at wave 'canary'"
        return record
    case .rollingBack:
        var record = canaryRecord(phase: .rollingBack, cursor: StepCursor(wave: 2, step: 4), started: true)
        record.reason = "smoke failed"
        record.rollbackPlan = canaryPlan
        record.rollbackDone = 1
        return record
    case .finishing, .promoted:
        var record = canaryRecord(phase: phase, cursor: StepCursor(wave: 3, step: 1), started: false)
        record.targets["dc1"] = TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 100, promoted: true)
        record.targets["dc2"] = TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 100, promoted: true)
        return record
    case .rolledBack:
        var record = canaryRecord(phase: .rolledBack, cursor: StepCursor(wave: 2, step: 4), started: true)
        record.reason = "smoke failed"
        record.rollbackPlan = canaryPlan
        record.rollbackDone = canaryPlan.count
        return record
    }
}

/// The specification: the record each allowed (phase, event) pair produces from `fixture`; nil = refused.
private func expectedRecord(_ phase: RolloutPhase, _ event: RolloutEvent, from input: RolloutRecord) -> RolloutRecord? {
    var r = input
    r.updatedAt = t1
    switch (phase, event) {
    case (.running, .stepStarted):
        r.stepStarted = true
    case (.running, .scriptStarted):
        r.appliedScripts = ["add-column"]
    case (.running, .stepCompleted):
        r.cursor = StepCursor(wave: 2, step: 2)
        r.stepStarted = false
    case (.running, .pauseStarted):
        r.phase = .paused
        r.stepStarted = true
        r.pauseUntil = pauseEnd
    case (.running, .approvalRequested):
        r.phase = .awaitingApproval
        r.stepStarted = true
        r.reason = "waiting for approval at wave 'canary'"
    case (.running, .analysisInconclusive):
        r.phase = .awaitingApproval
        r.stepStarted = true
        r.reason = "no verdict after 5m"
    case (.running, .promoteHeld):
        r.phase = .awaitingApproval
        r.reason = "a late alarm carried by canary instance 127.0.0.1:9001 alone"
    case (.running, .stepFailed), (.paused, .stepFailed), (.awaitingApproval, .stepFailed):
        r.phase = .rollingBack
        r.reason = "smoke failed"
        r.pauseUntil = nil
        r.rollbackPlan = canaryPlan
        r.rollbackDone = 0
    case (.running, .abortRequested), (.paused, .abortRequested), (.awaitingApproval, .abortRequested):
        r.phase = .rollingBack
        r.reason = "aborted by bob: error rate"
        r.pauseUntil = nil
        r.rollbackPlan = canaryPlan
        r.rollbackDone = 0
    case (.paused, .pauseElapsed):
        r.phase = .running
        r.pauseUntil = nil
        r.cursor = StepCursor(wave: 2, step: 3)
        r.stepStarted = false
    case (.awaitingApproval, .approved):
        r.phase = .running
        r.reason = nil
        r.cursor = StepCursor(wave: 2, step: 4)
        r.stepStarted = false
    case (.rollingBack, .rollbackActionDone):
        r.rollbackDone = 2
    case (.finishing, .finished):
        r.phase = .promoted
        r.reason = nil
    default:
        return nil
    }
    return r
}

private func refusal(_ event: RolloutEvent, _ phase: RolloutPhase, because why: String? = nil) -> RolloutTransitionError {
    RolloutTransitionError("rollout r-1 cannot take '\(event.name)' while \(phase.rawValue)" + (why.map { ": \($0)" } ?? ""))
}

private func outcome(_ event: RolloutEvent, _ record: RolloutRecord) -> Result<RolloutRecord, RolloutTransitionError> {
    Result { () throws(RolloutTransitionError) in try machine.apply(event, to: record, at: t1) }
}

@Suite("Rollout state machine")
struct RolloutMachineTests {
    // MARK: - The full matrix

    @Test("which events each phase accepts")
    func allowedPairs() {
        var allowed: [String] = []
        for phase in RolloutPhase.allCases {
            let names = allEvents.filter { (try? machine.apply($0, to: fixture(phase, $0), at: t1)) != nil }.map(\.name)
            allowed.append("\(phase.rawValue): \(names.joined(separator: " "))")
        }
        #expect(allowed == [
            "running: step_started script_started step_completed pause_started approval_requested analysis_inconclusive promote_held step_failed abort_requested",
            "paused: pause_elapsed step_failed abort_requested",
            "awaiting_approval: approved step_failed abort_requested",
            "rolling_back: rollback_action_done",
            "finishing: finished",
            "promoted: ",
            "rolled_back: ",
        ])
    }

    @Test("every phase × event gives exactly the specified record or the specified refusal",
          arguments: RolloutPhase.allCases)
    func matrix(phase: RolloutPhase) {
        for event in allEvents {
            let input = fixture(phase, event)
            let result = outcome(event, input)
            if let expected = expectedRecord(phase, event, from: input) {
                #expect(result == .success(expected), "\(phase) × \(event.name)")
            } else {
                let why: String? = switch (phase, event) {
                case (.rollingBack, .abortRequested): "it is already rolling back"
                case (.finishing, .abortRequested): "every wave has passed; the old version is being retired"
                default: nil
                }
                #expect(result == .failure(refusal(event, phase, because: why)), "\(phase) × \(event.name)")
            }
        }
    }

    @Test("terminal phases accept nothing", arguments: [RolloutPhase.promoted, .rolledBack])
    func terminalPhases(phase: RolloutPhase) {
        #expect(phase.isTerminal)
        #expect(!phase.isActive)
        for event in allEvents {
            #expect(throws: RolloutTransitionError.self) { try machine.apply(event, to: fixture(phase, event), at: t1) }
        }
        #expect(machine.nextAction(for: fixture(phase, .finished)) == RolloutAction.none)
    }

    @Test("phase names as stored")
    func phaseNames() {
        #expect(RolloutPhase.allCases.map(\.rawValue)
                == ["running", "paused", "awaiting_approval", "rolling_back", "finishing", "promoted", "rolled_back"])
        #expect(RolloutPhase.allCases.filter(\.isActive) == [.running, .paused, .awaitingApproval, .rollingBack, .finishing])
    }

    @Test("event names as audited")
    func eventNames() {
        #expect(allEvents.map(\.name) == [
            "step_started", "script_started", "step_completed", "pause_started", "pause_elapsed", "approval_requested",
            "analysis_inconclusive", "promote_held", "approved", "step_failed", "abort_requested", "rollback_action_done", "finished",
        ])
    }

    // MARK: - Guards while running

    @Test("a step cannot start twice")
    func stepStartedTwice() {
        let record = canaryRecord(cursor: StepCursor(wave: 2, step: 1), started: true)
        let event = RolloutEvent.stepStarted(.setWeight(target: "dc1", weight: 10))
        #expect(outcome(event, record) == .failure(refusal(event, .running, because: "the step has already started")))
    }

    @Test("scriptStarted needs a started scripts step")
    func scriptStartedGuards() {
        let event = RolloutEvent.scriptStarted(name: "add-column")
        let notStarted = RolloutRecord(id: "r-1", service: "core", version: "v2", createdBy: "alice", at: t0)
        #expect(outcome(event, notStarted)
                == .failure(refusal(event, .running, because: "the current step is not a started 'scripts' step")))
        let deployStep = canaryRecord(cursor: StepCursor(wave: 1, step: 0), started: true)
        #expect(outcome(event, deployStep)
                == .failure(refusal(event, .running, because: "the current step is not a started 'scripts' step")))
    }

    @Test("a script started twice is recorded once")
    func scriptStartedTwice() throws {
        var record = RolloutRecord(id: "r-1", service: "core", version: "v2", createdBy: "alice", at: t0)
        record = try machine.apply(.stepStarted(.none), to: record, at: t0)
        record = try machine.apply(.scriptStarted(name: "add-column"), to: record, at: t0)
        record = try machine.apply(.scriptStarted(name: "backfill"), to: record, at: t0)
        record = try machine.apply(.scriptStarted(name: "add-column"), to: record, at: t0)
        #expect(record.appliedScripts == ["add-column", "backfill"])
    }

    @Test("a step cannot complete before it started")
    func stepCompletedBeforeStart() {
        let record = canaryRecord(cursor: StepCursor(wave: 2, step: 1), started: false)
        #expect(outcome(.stepCompleted, record) == .failure(refusal(.stepCompleted, .running, because: "the step has not started")))
    }

    @Test("pauseStarted only on a pause step", arguments: [1, 3, 4])
    func pauseStartedElsewhere(step: Int) {
        let record = canaryRecord(cursor: StepCursor(wave: 2, step: step), started: false)
        let event = RolloutEvent.pauseStarted(until: pauseEnd)
        #expect(outcome(event, record) == .failure(refusal(event, .running, because: "the current step is not a pause")))
    }

    @Test("approvalRequested only on an approval step", arguments: [1, 2, 4])
    func approvalRequestedElsewhere(step: Int) {
        let record = canaryRecord(cursor: StepCursor(wave: 2, step: step), started: false)
        #expect(outcome(.approvalRequested, record)
                == .failure(refusal(.approvalRequested, .running, because: "the current step is not an approval")))
    }

    @Test("a promote held for a late alarm on one instance: only a promote yet to run holds; approved, it runs at the same step and does not hold again")
    func heldPromote() throws {
        let held = RolloutEvent.promoteHeld(reason: "held")
        for step in [4, 5] {
            #expect(outcome(held, canaryRecord(cursor: StepCursor(wave: 2, step: step), started: false))
                    == .failure(refusal(held, .running, because: "the current step is not a promote yet to run")))
        }
        #expect(outcome(held, canaryRecord(cursor: StepCursor(wave: 2, step: 6), started: true))
                == .failure(refusal(held, .running, because: "the current step is not a promote yet to run")))

        let waiting = try machine.apply(held, to: canaryRecord(cursor: StepCursor(wave: 2, step: 6), started: false), at: t0)
        #expect(waiting.phase == .awaitingApproval && waiting.reason == "held")
        #expect(machine.nextAction(for: waiting) == .waitForApproval)
        let approved = try machine.apply(.approved(by: "carol"), to: waiting, at: t1)
        #expect(approved.phase == .running && approved.cursor == StepCursor(wave: 2, step: 6) && !approved.stepStarted && approved.reason == nil)
        #expect(approved.heldPromoteApproved == StepCursor(wave: 2, step: 6))
        #expect(machine.nextAction(for: approved) == .runStep(.promote, wave: deployment.waves[2], resuming: false))
        #expect(outcome(held, approved)
                == .failure(refusal(held, .running, because: "a person already approved this promote despite its held alarm")))
        // Aborted instead: rolled back, with who and why.
        let aborted = try machine.apply(.abortRequested(by: "bob", reason: "that host is not the only one"), to: waiting, at: t1)
        #expect(aborted.phase == .rollingBack && aborted.reason == "aborted by bob: that host is not the only one")
    }

    @Test("a pause or an approval may follow stepStarted (a restart re-runs the step)")
    func waitsAfterStepStarted() throws {
        let atPause = try machine.apply(.stepStarted(.none), to: canaryRecord(cursor: StepCursor(wave: 2, step: 2), started: false), at: t0)
        #expect(try machine.apply(.pauseStarted(until: pauseEnd), to: atPause, at: t0).phase == .paused)
        let atApproval = try machine.apply(.stepStarted(.none), to: canaryRecord(cursor: StepCursor(wave: 2, step: 3), started: false), at: t0)
        #expect(try machine.apply(.approvalRequested, to: atApproval, at: t0).phase == .awaitingApproval)
    }

    @Test("the rollback plan cannot be done twice")
    func rollbackOverrun() {
        var record = fixture(.rollingBack, .rollbackActionDone)
        record.rollbackDone = record.rollbackPlan.count
        #expect(outcome(.rollbackActionDone, record)
                == .failure(refusal(.rollbackActionDone, .rollingBack, because: "the rollback plan is already done")))
    }

    // MARK: - Intents

    @Test("deploy records new instances in a target, keeping the stable version first seen")
    func deployIntent() throws {
        let record = canaryRecord(cursor: StepCursor(wave: 3, step: 0), started: false)
        let next = try machine.apply(.stepStarted(.deploy(target: "dc2", stableVersion: "v1")), to: record, at: t1)
        var expected = record
        expected.updatedAt = t1
        expected.stepStarted = true
        expected.targets["dc2"] = TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 0, promoted: false)
        #expect(next == expected)

        // A target already touched keeps its recorded stable version.
        var touched = canaryRecord(cursor: StepCursor(wave: 2, step: 0), started: false)
        touched.targets["dc1"] = TargetProgress(stableVersion: "v1", canaryWeight: 0)
        let redeployed = try machine.apply(.stepStarted(.deploy(target: "dc1", stableVersion: "v9")), to: touched, at: t1)
        #expect(redeployed.targets["dc1"] == TargetProgress(stableVersion: "v1", deployed: true))
    }

    @Test("setWeight records the canary weight")
    func setWeightIntent() throws {
        let record = canaryRecord(cursor: StepCursor(wave: 2, step: 4), started: false)
        let next = try machine.apply(.stepStarted(.setWeight(target: "dc1", weight: 50)), to: record, at: t1)
        #expect(next.targets["dc1"] == TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 50, promoted: false))
        #expect(next.targets["staging"] == record.targets["staging"])
        #expect(next.stepStarted)

        // On a target nothing was recorded for, the stable version is unknown.
        let fresh = try machine.apply(.stepStarted(.setWeight(target: "dc2", weight: 5)), to: record, at: t1)
        #expect(fresh.targets["dc2"] == TargetProgress(stableVersion: "?", canaryWeight: 5))
    }

    @Test("promote records promoted and 100% of the traffic")
    func promoteIntent() throws {
        let record = canaryRecord(cursor: StepCursor(wave: 2, step: 6), started: false)
        let next = try machine.apply(.stepStarted(.promote(target: "dc1", stableVersion: "v1")), to: record, at: t1)
        #expect(next.targets["dc1"] == TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 100, promoted: true))
        #expect(next.targets.count == 2)
    }

    @Test("a step without intent changes no target")
    func noIntent() throws {
        let record = canaryRecord(cursor: StepCursor(wave: 2, step: 5), started: false)
        let next = try machine.apply(.stepStarted(.none), to: record, at: t1)
        #expect(next.targets == record.targets)
        #expect(next.stepStarted)
        #expect(next.updatedAt == t1)
        #expect(next.cursor == record.cursor)
    }

    // MARK: - Pauses, approvals, rollbacks

    @Test("a pause records its deadline, waits for it, then moves on")
    func pause() throws {
        let record = canaryRecord(cursor: StepCursor(wave: 2, step: 2), started: false)
        #expect(machine.nextAction(for: record) == .runStep(.pause(.seconds(30)), wave: deployment.waves[2], resuming: false))
        let paused = try machine.apply(.pauseStarted(until: pauseEnd), to: record, at: t0)
        #expect(paused.phase == .paused)
        #expect(paused.pauseUntil == pauseEnd)
        #expect(machine.nextAction(for: paused) == .waitUntil(pauseEnd))
        let resumed = try machine.apply(.pauseElapsed, to: paused, at: pauseEnd)
        #expect(resumed.phase == .running)
        #expect(resumed.pauseUntil == nil)
        #expect(resumed.cursor == StepCursor(wave: 2, step: 3))
        #expect(resumed.updatedAt == pauseEnd)
    }

    @Test("a paused record without a deadline waits until its last update")
    func pauseWithoutDeadline() {
        var record = fixture(.paused, .pauseElapsed)
        record.pauseUntil = nil
        #expect(machine.nextAction(for: record) == .waitUntil(t0))
    }

    @Test("abort and failure while paused or awaiting approval build the rollback plan and clear the wait")
    func rollbackFromWaits() throws {
        let paused = try machine.apply(.abortRequested(by: "bob", reason: "latency"), to: fixture(.paused, .pauseElapsed), at: t1)
        #expect(paused.phase == .rollingBack)
        #expect(paused.pauseUntil == nil)
        #expect(paused.reason == "aborted by bob: latency")
        #expect(paused.rollbackPlan == canaryPlan)
        #expect(machine.nextAction(for: paused) == .rollback(.routeToStable(target: "dc1")))

        let waiting = try machine.apply(.stepFailed(reason: "analysis: error rate 4% > 1%"),
                                        to: fixture(.awaitingApproval, .stepCompleted), at: t1)
        #expect(waiting.phase == .rollingBack)
        #expect(waiting.reason == "analysis: error rate 4% > 1%")
        #expect(waiting.rollbackPlan == canaryPlan)
        #expect(waiting.rollbackDone == 0)
    }

    @Test("nextAction while finishing is to retire the old version")
    func finishingAction() {
        #expect(machine.nextAction(for: fixture(.finishing, .finished)) == .retireOldVersion)
    }

    // MARK: - A whole rollout

    static let config = """
        services:
          core:
            kind: monolith
            command: ./core --port {port} --version {version}
            version: v1
            instances: {staging: 1, dc1: 2, dc2: 2}
        environments:
          - name: nightly
          - name: staging
          - name: production
            datacenters: [dc1, dc2]
        scripts:
          - name: add-column
            apply: scripts/001.sql
            rollback: scripts/001-undo.sql
          - name: backfill
            apply: scripts/002.sh
            rollback: scripts/002-undo.sh
        deployment:
          waves:
            - name: pre-deployment
              steps: [scripts]
            - name: staging
              target: staging
              steps: [deploy, smoke, promote]
            - name: canary
              target: dc1
              steps: [deploy, setWeight: 10, pause: 30s, pause: approval, setWeight: 50, analysis, promote]
            - name: dc2
              target: dc2
              steps: [deploy, promote]
        """

    @Test("machine built from railyard.yml takes its waves and target order")
    func machineFromConfig() throws {
        let config = try ConfigLoader.parse(Self.config, file: "railyard.yml", baseDirectory: "/")
        let fromConfig = RolloutMachine(config: config)
        #expect(fromConfig.targetOrder == ["nightly", "staging", "dc1", "dc2"])
        #expect(fromConfig.deployment == deployment)
    }

    @Test("happy path: scripts, staging, canary with pause and approval, dc2, finishing, promoted")
    func happyPath() throws {
        let config = try ConfigLoader.parse(Self.config, file: "railyard.yml", baseDirectory: "/")
        let machine = RolloutMachine(config: config)
        let waves = config.deployment.waves
        var clock = t0
        var record = RolloutRecord(id: "r-7", service: "core", version: "v2", createdBy: "alice", at: t0)

        func send(_ event: RolloutEvent) throws {
            clock = clock.addingTimeInterval(1)
            record = try machine.apply(event, to: record, at: clock)
            #expect(record.updatedAt == clock)
        }
        /// Starts the step at the cursor with its intent and completes it, checking nextAction on the way.
        func run(_ wave: Int, _ step: Int, _ intent: StepIntent) throws {
            #expect(record.phase == .running)
            #expect(record.cursor == StepCursor(wave: wave, step: step))
            let spec = waves[wave].steps[step]
            #expect(machine.nextAction(for: record) == .runStep(spec, wave: waves[wave], resuming: false))
            try send(.stepStarted(intent))
            #expect(machine.nextAction(for: record) == .runStep(spec, wave: waves[wave], resuming: true))
            try send(.stepCompleted)
        }

        // Pre-deployment scripts.
        #expect(machine.nextAction(for: record) == .runStep(.scripts, wave: waves[0], resuming: false))
        try send(.stepStarted(.none))
        try send(.scriptStarted(name: "add-column"))
        try send(.scriptStarted(name: "backfill"))
        #expect(record.appliedScripts == ["add-column", "backfill"])
        try send(.stepCompleted)

        // Staging: deploy, smoke, promote.
        try run(1, 0, .deploy(target: "staging", stableVersion: "v1"))
        #expect(record.targets["staging"] == TargetProgress(stableVersion: "v1", deployed: true))
        try run(1, 1, .none)
        try run(1, 2, .promote(target: "staging", stableVersion: "v1"))
        #expect(record.targets["staging"] == TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 100, promoted: true))

        // Canary in dc1.
        try run(2, 0, .deploy(target: "dc1", stableVersion: "v1"))
        try run(2, 1, .setWeight(target: "dc1", weight: 10))
        #expect(record.targets["dc1"]?.canaryWeight == 10)

        #expect(machine.nextAction(for: record) == .runStep(.pause(.seconds(30)), wave: waves[2], resuming: false))
        let until = clock.addingTimeInterval(30)
        try send(.pauseStarted(until: until))
        #expect(record.phase == .paused)
        #expect(machine.nextAction(for: record) == .waitUntil(until))
        try send(.pauseElapsed)

        #expect(record.cursor == StepCursor(wave: 2, step: 3))
        #expect(machine.nextAction(for: record) == .runStep(.approval, wave: waves[2], resuming: false))
        try send(.approvalRequested)
        #expect(record.phase == .awaitingApproval)
        #expect(record.reason == "waiting for approval at wave 'canary'")
        #expect(machine.nextAction(for: record) == .waitForApproval)
        try send(.approved(by: "release-owner"))
        #expect(record.reason == nil)

        try run(2, 4, .setWeight(target: "dc1", weight: 50))
        #expect(record.targets["dc1"]?.canaryWeight == 50)
        try run(2, 5, .none)
        try run(2, 6, .promote(target: "dc1", stableVersion: "v1"))

        // dc2.
        try run(3, 0, .deploy(target: "dc2", stableVersion: "v1"))
        #expect(record.phase == .running)
        try run(3, 1, .promote(target: "dc2", stableVersion: "v1"))

        // Every wave passed.
        #expect(record.phase == .finishing)
        #expect(record.cursor == StepCursor(wave: 3, step: 1))
        #expect(record.stepStarted == false)
        #expect(machine.nextAction(for: record) == .retireOldVersion)
        #expect(throws: RolloutTransitionError("rollout r-7 cannot take 'abort_requested' while finishing: every wave has passed; the old version is being retired")) {
            try machine.apply(.abortRequested(by: "bob", reason: "late"), to: record, at: clock)
        }
        try send(.finished)

        #expect(record.phase == .promoted)
        #expect(record.reason == nil)
        #expect(machine.nextAction(for: record) == RolloutAction.none)
        let promoted = TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 100, promoted: true)
        #expect(record.targets == ["staging": promoted, "dc1": promoted, "dc2": promoted])
        #expect(record.rollbackPlan == [])
        #expect(record.createdAt == t0)
        #expect(record.updatedAt == clock)
    }

    @Test("a record survives a JSON round trip, as the store keeps it")
    func codable() throws {
        let record = fixture(.rollingBack, .rollbackActionDone)
        let data = try JSONEncoder().encode(record)
        #expect(try JSONDecoder().decode(RolloutRecord.self, from: data) == record)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"rolling_back\""))
    }

    @Test("the cursor walks every step of every wave, then stops")
    func cursor() {
        var cursor: StepCursor? = .start
        var visited: [StepCursor] = []
        while let current = cursor {
            visited.append(current)
            cursor = current.advanced(in: deployment)
        }
        #expect(visited.count == 1 + 3 + 7 + 2)
        #expect(visited[1] == StepCursor(wave: 1, step: 0))
        #expect(visited[4] == StepCursor(wave: 2, step: 0))
        #expect(visited.last == StepCursor(wave: 3, step: 1))
        // Empty waves are skipped.
        let withEmpty = DeploymentSpec(waves: [WaveSpec(name: "a", target: nil, steps: [.scripts]),
                                               WaveSpec(name: "b", target: nil, steps: []),
                                               WaveSpec(name: "c", target: "x", steps: [.deploy])])
        #expect(StepCursor.start.advanced(in: withEmpty) == StepCursor(wave: 2, step: 0))
    }
}
