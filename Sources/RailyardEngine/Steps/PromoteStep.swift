import RailyardCore
import RailyardPorts

/// `promote`: all of the target's traffic to the new version, then the baseline (if any) stops.
/// The old version keeps running until every wave has passed, so a rollback stays one router change.
///
/// A late alarm held during the wave's watch (one canary instance alone carried it: a host, not the version,
/// so no rollback) stops the promote until a person approves it or aborts: promoting past a slow host is a
/// person's call, as a held fail at an analysis's deadline is.
struct PromoteStep: StepExecutor {
    let fleet: Fleet
    let store: any RailyardStore
    let ledger: RolloutLedger

    func run(_ start: RolloutRecord, wave: WaveSpec) async throws -> StepOutcome {
        var record = start
        let spec = try fleet.spec(of: record), target = wave.target ?? ""
        if !record.stepStarted, record.heldPromoteApproved != record.cursor, let held = try await heldAlarm(record) {
            try await ledger.transition(record, .promoteHeld(reason: held),
                                        message: "promote of \(record.version) in \(target) held: a late alarm rests on one canary instance; approve to promote, abort to roll back",
                                        reason: held)
            return .waiting
        }
        var stable = record.targets[target]?.stableVersion ?? ""
        if stable.isEmpty { stable = try await fleet.stableVersion(of: spec, in: target) }
        if !record.stepStarted {
            record = try await ledger.transition(record, .stepStarted(.promote(target: target, stableVersion: stable)),
                                                 message: "promoting \(record.version) in \(target): all traffic to it")
        }
        try await fleet.routeRollout(record, target: target, weight: 100)
        if try await !fleet.liveInstances(service: record.service, target: target, role: .baseline).isEmpty {
            try await fleet.stopInstances(service: record.service, version: stable, target: target, actor: RolloutLedger.controllerActor,
                                          why: "analysis over: \(record.version) promoted in \(target)", role: .baseline)
            try await fleet.routeRollout(record, target: target, weight: 100)
        }
        return .completed(record)
    }

    /// The last alarm a late watch of this wave's analyses held, in words; nil when none was.
    func heldAlarm(_ record: RolloutRecord) async throws -> String? {
        try await store.analyses(rolloutID: record.id).last { $0.cursor?.wave == record.cursor.wave && $0.lateWatch?.held != nil }?.lateWatch?.held
    }
}
