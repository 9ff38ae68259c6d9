/// `trains:` — how a train's production release runs.
public struct TrainsSpec: Sendable, Equatable {
    /// How many services of one dependency batch deploy at once.
    public var parallel: Int
    public static let parallelRange = 1...16

    public init(parallel: Int = 2) {
        self.parallel = parallel
    }
}
