import RailyardCore
import RailyardPorts

/// `promote`: all of the target's traffic to the new version, then the baseline (if any) stops.
/// The old version keeps running until every wave has passed, so a rollback stays one router change.
///
/// A late alarm held during the wave's watch (one canary instance alone carried it: a host, not the version,
/// so no rollback) stops the promote until a person approves it or aborts: promoting past a slow host is a
/// person's call, as a held fail at an analysis's deadline is. Any watch of the wave counts: an alarm held on an
/// earlier pass of the wave (before a second analysis) is still the person's to weigh.
struct PromoteStep: StepExecutor {
    let fleet: Fleet
    let store: any RailyardStore
    let ledger: RolloutLedger
    let gate: WatchGate

    func run(_ start: RolloutRecord, wave: WaveSpec) async throws -> StepOutcome {
        var record = start
        let spec = try fleet.spec(of: record), target = wave.target ?? ""
        var stable = record.targets[target]?.stableVersion ?? ""
        if stable.isEmpty { stable = try await fleet.stableVersion(of: spec, in: target) }
        if !record.stepStarted {
            // Through the gate: a late watch's look in flight is saved first, or sees the promote begun and ends.
            let check = try await gate.through(record.id) { () async throws -> WatchCheck in
                let current = try await ledger.existing(record.id)
                let watches = try await store.analyses(rolloutID: current.id).filter { $0.cursor?.wave == current.cursor.wave }.compactMap(\.lateWatch)
                if watches.contains(where: \.alarmed) { return .alarmed }
                if current.heldPromoteApproved != current.cursor, let held = watches.last(where: { $0.held != nil })?.held {
                    try await ledger.transition(current, .promoteHeld(reason: held),
                                                message: "promote of \(current.version) in \(target) held: a late alarm rests on one canary instance; approve to promote, abort to roll back",
                                                reason: held)
                    return .held
                }
                record = try await ledger.transition(current, .stepStarted(.promote(target: target, stableVersion: stable)),
                                                     message: "promoting \(current.version) in \(target): all traffic to it")
                return .clear
            }
            switch check {
            case .clear: break
            case .held: return .waiting
            case .alarmed:
                // The look just before alarmed: its watcher is stopping these steps to roll back (the controller's
                // `driveAndWatch` cancels this task). Never promote past it.
                while true { try await Task.sleep(for: .seconds(3600)) }
            }
        }
        try await fleet.routeRollout(record, target: target, weight: 100)
        if try await !fleet.liveInstances(service: record.service, target: target, role: .baseline).isEmpty {
            try await fleet.stopInstances(service: record.service, version: stable, target: target, actor: RolloutLedger.controllerActor,
                                          why: "analysis over: \(record.version) promoted in \(target)", role: .baseline)
            try await fleet.routeRollout(record, target: target, weight: 100)
        }
        return .completed(record)
    }

    /// What the wave's late watches say as the promote is about to start.
    enum WatchCheck { case clear, held, alarmed }
}
