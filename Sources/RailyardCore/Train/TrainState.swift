/// Where a train stands. A regular train moves through every stage in order; a hotfix train may
/// skip stages, each skip recorded with its reason. `done`, `cancelled` and `rolled_back` (its
/// production release failed and every service went back) are final.
public enum TrainState: String, Codable, Sendable, CaseIterable {
    case planned, development, nightly, testing, perf, ready, production, done, cancelled
    case rolledBack = "rolled_back"

    /// The stages in order, without `cancelled` and `rolled_back`.
    public static let order: [TrainState] = [.planned, .development, .nightly, .testing, .perf, .ready, .production, .done]

    public var isFinal: Bool { self == .done || self == .cancelled || self == .rolledBack }

    /// The stage after this one, nil at the end.
    public var next: TrainState? {
        guard let index = Self.order.firstIndex(of: self), index + 1 < Self.order.count else { return nil }
        return Self.order[index + 1]
    }
}

/// A regular train ships a sprint; a hotfix train carries one fix for a train already in production.
public enum TrainKind: String, Codable, Sendable, CaseIterable {
    case regular, hotfix
}
