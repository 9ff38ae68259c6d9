/// What a step is about to change, recorded before the change is made.
public enum StepIntent: Codable, Sendable, Equatable {
    case none
    case deploy(target: String, stableVersion: String)
    case setWeight(target: String, weight: Int)
    case promote(target: String, stableVersion: String)
}
