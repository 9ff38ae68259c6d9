import RailyardCore

/// `deploy`: starts the new version's instances in the wave's target beside stable (weight 0 until a
/// `setWeight`), and, when the wave has an analysis, fresh instances of the stable version as its
/// baseline: the same age as the canary, for a fair comparison.
struct DeployStep: StepExecutor {
    let fleet: Fleet
    let ledger: RolloutLedger

    func run(_ start: RolloutRecord, wave: WaveSpec) async throws -> StepOutcome {
        var record = start
        let spec = try fleet.spec(of: record), target = wave.target ?? ""
        let stable = try await fleet.stableVersion(of: spec, in: target)
        if !record.stepStarted {
            record = try await ledger.transition(record, .stepStarted(.deploy(target: target, stableVersion: stable)),
                                                 message: "deploying \(record.service) \(record.version) in \(target) beside stable \(stable)")
        }
        do {
            try await fleet.ensureInstances(service: spec, version: record.version, target: target, rolloutID: record.id, actor: RolloutLedger.controllerActor)
            if wave.steps.contains(where: \.isAnalysis) {
                try await fleet.ensureInstances(service: spec, version: stable, target: target, rolloutID: record.id, actor: RolloutLedger.controllerActor,
                                                role: .baseline)
            }
            try await fleet.route(service: record.service, target: target, stable: stable, canary: record.version,
                                  canaryWeight: record.targets[target]?.canaryWeight ?? 0)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw StepFailure("deploy of \(record.service) \(record.version) in \(target) failed: \(error)")
        }
        return .completed(record)
    }
}

extension StepSpec {
    var isAnalysis: Bool {
        if case .analysis = self { return true }
        return false
    }
}
