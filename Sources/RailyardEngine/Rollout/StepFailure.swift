/// A step that did not succeed; its reason becomes the rollback's reason.
public struct StepFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
