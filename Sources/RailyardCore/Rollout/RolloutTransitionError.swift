/// A transition the state machine refuses; carries the reason shown to the user.
public struct RolloutTransitionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
