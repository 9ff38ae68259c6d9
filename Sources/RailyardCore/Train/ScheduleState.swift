import Foundation

/// The scheduled creation of trains (`trains: cadence`): the runs a release owner skipped, each with
/// who, when and why. Resuming a run removes it from here.
public struct ScheduleState: Codable, Sendable, Equatable {
    public struct Skip: Codable, Sendable, Equatable {
        public var reason: String
        public var by: String
        public var at: Date
        public init(reason: String, by: String, at: Date) {
            self.reason = reason
            self.by = by
            self.at = at
        }
    }
    /// Train id → why its scheduled creation is skipped.
    public var skipped: [String: Skip]
    public init(skipped: [String: Skip] = [:]) { self.skipped = skipped }

    public static let key = "trains.schedule"
}
