/// A request the engine refuses, with the reason shown to the user.
public struct Refusal: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case badRequest, notFound, conflict }
    public var kind: Kind
    public var reason: String
    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }
    public var description: String { reason }
}
