/// PCI DSS 6.5.1's separation of duties: a production change is approved by someone other than the
/// person who wrote it or deployed it.
public enum FourEyes {
    /// Why `approver` may not approve `rollout`, or nil when they may.
    /// - Parameter reachesProduction: whether the rollout's deployment goes to production; other
    ///   rollouts may be approved by their deployer.
    public static func refusal(approver: String, of rollout: RolloutRecord, reachesProduction: Bool) -> String? {
        guard reachesProduction, approver == rollout.createdBy else { return nil }
        return "four-eyes: \(approver) deployed \(rollout.id), a production change; its approval must come from another approver"
    }
}
