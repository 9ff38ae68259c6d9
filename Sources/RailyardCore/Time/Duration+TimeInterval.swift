import Foundation

extension Duration {
    /// The duration in seconds, for arithmetic with `Date` (deadlines are wall time, see `WallClock`).
    public var timeInterval: TimeInterval { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
