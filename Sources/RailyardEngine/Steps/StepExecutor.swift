import RailyardCore

/// How a step ended.
enum StepOutcome: Sendable {
    /// Done: the controller records `stepCompleted` and moves on.
    case completed(RolloutRecord)
    /// The rollout now waits (a pause, an approval, an inconclusive analysis); the step recorded it.
    case waiting
}

/// Runs one kind of step. `RolloutController` asks `RolloutMachine.nextAction` what comes next and
/// hands a step to the executor of its kind, which holds only the ports that kind needs.
///
/// A step is re-run after a restart (`record.stepStarted` is then true), so every executor is
/// idempotent, and records its intent through the ledger before its side effect. A failure is a
/// thrown `StepFailure`, whose reason becomes the rollback's.
protocol StepExecutor: Sendable {
    func run(_ record: RolloutRecord, wave: WaveSpec) async throws -> StepOutcome
}
