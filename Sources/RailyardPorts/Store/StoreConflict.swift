import RailyardCore

/// A write the store refuses because it would replace what must not change (an artifact's record), or
/// create what already is (a train's id, a second active rollout of one service).
public struct StoreConflict: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// The refusal's words, the same whether the request's own check or the write's finds it.
    public static func trainExists(_ id: String) -> StoreConflict { StoreConflict("train \(id) already exists") }
    public static func rolloutInProgress(_ running: RolloutRecord) -> StoreConflict {
        StoreConflict("a rollout of \(running.service) is already in progress: \(running.id) (\(running.phase.rawValue)); abort it or wait")
    }
}
