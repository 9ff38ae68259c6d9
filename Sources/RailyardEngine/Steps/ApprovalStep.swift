import RailyardCore

/// `pause: approval`: the rollout waits for a person (`railyard rollout approve`).
struct ApprovalStep: StepExecutor {
    let ledger: RolloutLedger

    func run(_ record: RolloutRecord, wave: WaveSpec) async throws -> StepOutcome {
        try await ledger.transition(record, .approvalRequested,
                                    message: "waiting for approval in wave '\(wave.name)': `railyard rollout approve \(record.id)`")
        return .waiting
    }
}
