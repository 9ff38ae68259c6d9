import Foundation

/// How a train's risk policy changes each of its rollouts (`TrainPlan`): the deployment's steps are
/// adjusted as the machine reads them, so railyard.yml's process stays the one stored and shown, and
/// a rollout keeps its adjustments across a restart because they are stored on it.
public struct RolloutAdjustments: Codable, Sendable, Equatable {
    /// Each canary weight below 100 is multiplied by this: fewer customers exposed at each bake.
    public var weightFactor: Double
    /// Each timed pause (bake) is multiplied by this.
    public var bakeFactor: Double
    /// Each analysis' `max_duration` is multiplied by this.
    public var analysisFactor: Double
    /// Targets the rollout stops before, held until its train lets it go on (dc2 waits until every
    /// service of the batch finished dc1, for a change that is not backward-compatible).
    public var holdBefore: [String]
    /// Why, one line per rule of the train's plan.
    public var reasons: [String]

    public init(weightFactor: Double = 1, bakeFactor: Double = 1, analysisFactor: Double = 1, holdBefore: [String] = [], reasons: [String] = []) {
        self.weightFactor = weightFactor
        self.bakeFactor = bakeFactor
        self.analysisFactor = analysisFactor
        self.holdBefore = holdBefore
        self.reasons = reasons
    }

    public static let none = RolloutAdjustments()

    public var isNone: Bool { weightFactor == 1 && bakeFactor == 1 && analysisFactor == 1 && holdBefore.isEmpty }

    /// The step as this rollout runs it.
    public func adjust(_ step: StepSpec) -> StepSpec {
        switch step {
        case .setWeight(let weight) where weight < 100 && weightFactor != 1:
            // Never 0 (that is no canary) and never 100 (that is a promotion).
            return .setWeight(min(99, max(1, Int((Double(weight) * weightFactor).rounded()))))
        case .pause(let duration) where bakeFactor != 1:
            return .pause(duration * bakeFactor)
        case .analysis(var spec) where analysisFactor != 1:
            spec.maxDuration = spec.maxDuration * analysisFactor
            return .analysis(spec)
        default:
            return step
        }
    }

    /// The deployment process as this rollout runs it.
    public func adjust(_ deployment: DeploymentSpec) -> DeploymentSpec {
        DeploymentSpec(waves: deployment.waves.map { WaveSpec(name: $0.name, target: $0.target, steps: $0.steps.map(adjust)) })
    }
}
