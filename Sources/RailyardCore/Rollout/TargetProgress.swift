/// What a rollout has done (or is about to do) to one target. Written before the side effect,
/// so a rollback plan built from it always covers everything that may have happened.
public struct TargetProgress: Codable, Sendable, Equatable {
    /// The version serving the target when the rollout first touched it.
    public var stableVersion: String
    /// New-version instances may exist here.
    public var deployed: Bool
    /// Percentage of traffic sent (or being sent) to the new version.
    public var canaryWeight: Int
    public var promoted: Bool

    public init(stableVersion: String, deployed: Bool = false, canaryWeight: Int = 0, promoted: Bool = false) {
        self.stableVersion = stableVersion
        self.deployed = deployed
        self.canaryWeight = canaryWeight
        self.promoted = promoted
    }
}
