import Foundation

/// The durable state of one rollout. The engine stores it after every transition and before
/// the side effect that follows, so a restarted server knows where it was.
public struct RolloutRecord: Codable, Sendable, Equatable {
    public var id: String
    public var service: String
    public var version: String
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date
    public var phase: RolloutPhase
    public var cursor: StepCursor
    /// The step at `cursor` has begun; a restart re-runs it (steps are idempotent).
    public var stepStarted: Bool
    public var pauseUntil: Date?
    /// Why the rollout waits, or why it rolls back / rolled back.
    public var reason: String?
    public var targets: [String: TargetProgress]
    /// Scripts this rollout applied (or started), in order.
    public var appliedScripts: [String]
    public var rollbackPlan: [RollbackAction]
    public var rollbackDone: Int
    /// The train whose release created this rollout, if one did.
    public var train: String?
    /// How the train's risk policy changes this rollout's steps; nil runs railyard.yml's process as it is.
    public var adjustments: RolloutAdjustments?
    /// The target the rollout is held before (awaiting its train), set when it reached it.
    public var heldBefore: String?
    /// The promote (its cursor) a person approved despite a late alarm held on one canary instance: it runs
    /// without holding again.
    public var heldPromoteApproved: StepCursor?

    public init(id: String, service: String, version: String, createdBy: String, at: Date) {
        self.id = id
        self.service = service
        self.version = version
        self.createdBy = createdBy
        self.createdAt = at
        self.updatedAt = at
        self.phase = .running
        self.cursor = .start
        self.stepStarted = false
        self.pauseUntil = nil
        self.reason = nil
        self.targets = [:]
        self.appliedScripts = []
        self.rollbackPlan = []
        self.rollbackDone = 0
    }
}
