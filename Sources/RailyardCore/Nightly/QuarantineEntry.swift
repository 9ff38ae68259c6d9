import Foundation

/// A test set aside: it still runs and is reported, but its failure does not fail the gate until the
/// quarantine expires; then it fails the gate again until it is renewed or the test is fixed.
public struct QuarantineEntry: Codable, Sendable, Equatable {
    /// The test's id, `classname.name`.
    public var test: String
    public var reason: String
    /// Who must fix it.
    public var owner: String
    public var expires: Date
    /// Who quarantined it, and when.
    public var by: String
    public var at: Date

    public init(test: String, reason: String, owner: String, expires: Date, by: String, at: Date) {
        self.test = test
        self.reason = reason
        self.owner = owner
        self.expires = expires
        self.by = by
        self.at = at
    }

    public func isActive(at now: Date) -> Bool { now < expires }
}
