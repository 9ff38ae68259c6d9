import Foundation

/// A stored API token: who it names, its role and lifetime. The secret itself is never stored,
/// only its keyed digest.
public struct TokenRecord: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: Role
    public var digest: String
    public var createdAt: Date
    public var createdBy: String
    public var expiresAt: Date?
    public var revokedAt: Date?
    public var revokedBy: String?

    public init(id: String, name: String, role: Role, digest: String, createdAt: Date, createdBy: String, expiresAt: Date? = nil,
                revokedAt: Date? = nil, revokedBy: String? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.digest = digest
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.revokedBy = revokedBy
    }

    public func isExpired(at now: Date) -> Bool { expiresAt.map { $0 <= now } ?? false }
    public func isActive(at now: Date) -> Bool { revokedAt == nil && !isExpired(at: now) }

    /// Names people and machines are known by: 1-64 letters, digits, '.', '_', '-', '@'.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.first.map { $0.isASCII && ($0.isLetter || $0.isNumber) } == true
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) }
    }
    public static let nameRule = "1-64 characters: letters, digits, '.', '_', '-', '@', starting with a letter or digit"
}
