/// The deployment process: waves run in order, each a list of steps against one target.
public struct DeploymentSpec: Sendable, Equatable {
    public var waves: [WaveSpec]
    public init(waves: [WaveSpec]) { self.waves = waves }
}

public struct WaveSpec: Sendable, Equatable {
    public var name: String
    /// The environment or datacenter the wave's steps act on; nil for a wave of `scripts` only.
    public var target: String?
    public var steps: [StepSpec]
    public init(name: String, target: String?, steps: [StepSpec]) {
        self.name = name
        self.target = target
        self.steps = steps
    }
}

/// A step, in a vocabulary close to Argo Rollouts'.
public enum StepSpec: Sendable, Equatable, CustomStringConvertible {
    /// Run the pre-deployment scripts not applied yet, refusing any applied script whose file changed.
    case scripts
    /// Start the new version's instances beside stable and wait for their health; no traffic yet.
    case deploy
    /// GET each of the service's smoke paths through the target's router.
    case smoke
    /// Send this percentage of the target's traffic to the new version.
    case setWeight(Int)
    /// Bake for a duration, read from the injected clock.
    case pause(Duration)
    /// Wait for a person's `rollout approve`.
    case approval
    /// Judge canary against a baseline of the stable version on live metrics; fail rolls back,
    /// inconclusive at the deadline waits for a person.
    case analysis(AnalysisSpec)
    /// All of the target's traffic to the new version, which becomes the target's stable.
    case promote

    public var description: String {
        switch self {
        case .scripts: "scripts"
        case .deploy: "deploy"
        case .smoke: "smoke"
        case .setWeight(let weight): "setWeight: \(weight)"
        case .pause(let duration): "pause: \(DurationText.format(duration))"
        case .approval: "pause: approval"
        case .analysis: "analysis"
        case .promote: "promote"
        }
    }
}
