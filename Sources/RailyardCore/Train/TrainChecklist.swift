import Foundation

/// An item of the release captain's checklist ("DBA sign-off", "support briefed"), assigned to one
/// person, who approves it. A new train copies the previous train's items, unapproved.
public struct ApprovalItem: Codable, Sendable, Equatable {
    public var id: Int
    public var title: String
    public var assignee: String
    public var approvedBy: String?
    public var approverRole: Role?
    public var approvedAt: Date?

    public init(id: Int, title: String, assignee: String) {
        self.id = id
        self.title = title
        self.assignee = assignee
    }

    public var isApproved: Bool { approvedBy != nil }
}

/// An approver letting a train pass a gate that does not hold, with the reason.
public struct GateOverride: Codable, Sendable, Equatable {
    public var gate: TrainGate
    public var by: String
    public var at: Date
    public var reason: String
    public init(gate: TrainGate, by: String, at: Date, reason: String) {
        self.gate = gate
        self.by = by
        self.at = at
        self.reason = reason
    }
}

/// A soak ended early or extended, with the reason.
public struct SoakChange: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case end, extend }
    public var kind: Kind
    public var environment: String
    /// How much longer, for `extend`, in seconds.
    public var seconds: Double?
    public var by: String
    public var at: Date
    public var reason: String
    public init(kind: Kind, environment: String, seconds: Double?, by: String, at: Date, reason: String) {
        self.kind = kind
        self.environment = environment
        self.seconds = seconds
        self.by = by
        self.at = at
        self.reason = reason
    }
}

/// When a train entered a stage.
public struct StageEntry: Codable, Sendable, Equatable {
    public var state: TrainState
    public var at: Date
    public init(state: TrainState, at: Date) {
        self.state = state
        self.at = at
    }
}
