/// A write the store refuses because it would replace what must not change (an artifact's record).
public struct StoreConflict: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
