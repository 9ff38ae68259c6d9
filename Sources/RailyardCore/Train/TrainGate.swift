/// The gates a train passes before its next stage. `tickets-validated` and `soak` guard leaving the
/// stage where testers validate (and where a soak is configured); the others guard production.
public enum TrainGate: String, Codable, Sendable, CaseIterable {
    case ticketsValidated = "tickets-validated"
    case soak
    case riskReview = "risk-review"
    case approvals
    /// A ticket is not rollbackable: an approver who is neither the captain nor the train's creator approves.
    case fourEyes = "four-eyes"
    /// The nightly non-regression is green. Not built yet: a gate that says so until it exists.
    case nonRegression = "non-regression"
    /// The performance campaign is within budget. Not built yet: a gate that says so until it exists.
    case performance
    /// No change freeze is in force. It does not refuse the move: the release waits for the freeze to
    /// end, unless an approver lets a hotfix through.
    case blackout

    /// Gates that refuse a move while closed (the blackout makes the release wait instead).
    public var blocks: Bool { self != .blackout }
}

/// One gate's standing for a train's next move, with the reason in words.
public struct GateResult: Codable, Sendable, Equatable {
    public var gate: TrainGate
    public var holds: Bool
    public var reason: String
    /// The approver's override that lets the train pass although the gate does not hold.
    public var override: GateOverride?

    public init(gate: TrainGate, holds: Bool, reason: String, override: GateOverride? = nil) {
        self.gate = gate
        self.holds = holds
        self.reason = reason
        self.override = override
    }

    /// Holds, or was overridden.
    public var passes: Bool { holds || override != nil }
}
