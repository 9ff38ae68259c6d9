/// The step a rollout is on: wave index and step index within it.
public struct StepCursor: Codable, Sendable, Equatable, Hashable {
    public var wave: Int
    public var step: Int
    public init(wave: Int, step: Int) {
        self.wave = wave
        self.step = step
    }
    public static let start = StepCursor(wave: 0, step: 0)

    /// The next step of the process, or nil after the last one.
    public func advanced(in deployment: DeploymentSpec) -> StepCursor? {
        var wave = self.wave, step = self.step + 1
        while wave < deployment.waves.count {
            if step < deployment.waves[wave].steps.count { return StepCursor(wave: wave, step: step) }
            wave += 1
            step = 0
        }
        return nil
    }
}
