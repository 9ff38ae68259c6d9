/// What can happen to a train.
public enum TrainEvent: Sendable, Equatable {
    /// To the next stage, by `by`.
    case advanced(by: String)
    /// A hotfix jumps ahead to `stage`, skipping the stages between, with the reason.
    case skipped(to: TrainState, by: String, reason: String)
    case cancelled(by: String, reason: String)
    /// The train's production release ended: every service promoted.
    case released(by: String)
    /// The train's production release failed and its services went back to what ran before.
    case rolledBack(reason: String)

    public var name: String {
        switch self {
        case .advanced: "advanced"
        case .skipped: "skipped"
        case .cancelled: "cancelled"
        case .released: "released"
        case .rolledBack: "rolled_back"
        }
    }
}
