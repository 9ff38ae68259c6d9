/// A request the engine refuses, with the reason shown to the user and, when one input is at fault,
/// the field that holds it.
public struct Refusal: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case badRequest, notFound, conflict, forbidden }
    public var kind: Kind
    public var reason: String
    public var field: String?
    public init(_ kind: Kind, _ reason: String, field: String? = nil) {
        self.kind = kind
        self.reason = reason
        self.field = field
    }
    public var description: String { reason }
}
