/// Where a rollout stands. Terminal phases never change again.
public enum RolloutPhase: String, Codable, Sendable, CaseIterable {
    case running
    case paused
    case awaitingApproval = "awaiting_approval"
    case rollingBack = "rolling_back"
    /// Every wave passed; the old version's instances are being retired.
    case finishing
    case promoted
    case rolledBack = "rolled_back"

    public var isTerminal: Bool { self == .promoted || self == .rolledBack }
    public var isActive: Bool { !isTerminal }
}
