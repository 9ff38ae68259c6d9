/// Who is asking, as proved by a token: the name the audit log records, never one the client claims.
public struct Identity: Sendable, Equatable, Codable {
    public var name: String
    public var role: Role
    /// The token that proved it, so a token cannot revoke itself.
    public var tokenID: String

    public init(name: String, role: Role, tokenID: String) {
        self.name = name
        self.role = role
        self.tokenID = tokenID
    }

    /// "alice (approver)".
    public var description: String { "\(name) (\(role.rawValue))" }
}
