import Foundation

/// Everything that moves a rollout. Each one is stored, with who and why, in the audit log.
public enum RolloutEvent: Sendable, Equatable {
    case stepStarted(StepIntent)
    case scriptStarted(name: String)
    case stepCompleted
    case pauseStarted(until: Date)
    case pauseElapsed
    case approvalRequested
    /// The analysis reached its deadline without a verdict: a person decides (approve or abort).
    case analysisInconclusive(reason: String)
    /// A late alarm after the wave's analysis passed rests on one canary instance alone (a host, not the version):
    /// the promote waits for a person (approve to promote, abort to roll back).
    case promoteHeld(reason: String)
    case approved(by: String)
    case stepFailed(reason: String)
    case abortRequested(by: String, reason: String)
    case rollbackActionDone
    case finished

    public var name: String {
        switch self {
        case .stepStarted: "step_started"
        case .scriptStarted: "script_started"
        case .stepCompleted: "step_completed"
        case .pauseStarted: "pause_started"
        case .pauseElapsed: "pause_elapsed"
        case .approvalRequested: "approval_requested"
        case .analysisInconclusive: "analysis_inconclusive"
        case .promoteHeld: "promote_held"
        case .approved: "approved"
        case .stepFailed: "step_failed"
        case .abortRequested: "abort_requested"
        case .rollbackActionDone: "rollback_action_done"
        case .finished: "finished"
        }
    }
}
