/// The newest row of the audit chain: its id and hash. Kept elsewhere, it proves later that nothing
/// before it was changed (`railyard audit verify --anchor`).
public struct AuditHead: Codable, Sendable, Equatable {
    public var id: Int64
    public var hash: String
    public init(id: Int64, hash: String) {
        self.id = id
        self.hash = hash
    }
}
