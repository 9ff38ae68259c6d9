import RailyardCore

/// `setWeight: N`: records N% as the target's intent, then sets the router.
struct SetWeightStep: StepExecutor {
    let weight: Int
    let fleet: Fleet
    let ledger: RolloutLedger

    func run(_ start: RolloutRecord, wave: WaveSpec) async throws -> StepOutcome {
        var record = start
        let target = wave.target ?? ""
        if !record.stepStarted {
            record = try await ledger.transition(record, .stepStarted(.setWeight(target: target, weight: weight)),
                                                 message: "sending \(weight)% of \(target)'s \(record.service) traffic to \(record.version)")
        }
        try await fleet.routeRollout(record, target: target, weight: weight)
        return .completed(record)
    }
}
