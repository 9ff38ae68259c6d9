import RailyardCore

/// `promote`: all of the target's traffic to the new version, then the baseline (if any) stops.
/// The old version keeps running until every wave has passed, so a rollback stays one router change.
struct PromoteStep: StepExecutor {
    let fleet: Fleet
    let ledger: RolloutLedger

    func run(_ start: RolloutRecord, wave: WaveSpec) async throws -> StepOutcome {
        var record = start
        let spec = try fleet.spec(of: record), target = wave.target ?? ""
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
}
