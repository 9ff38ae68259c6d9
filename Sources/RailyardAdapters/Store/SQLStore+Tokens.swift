import Foundation
import RailyardCore
import SQLKit

extension SQLStore {
    public func save(_ token: TokenRecord, event: AuditEvent) async throws {
        try await exclusive {
            try await transaction {
                try await db.raw("""
                    INSERT INTO tokens (id, name, role, digest, created_at, created_by, expires_at, revoked_at, revoked_by)
                    VALUES (\(bind: token.id), \(bind: token.name), \(bind: token.role.rawValue), \(bind: token.digest),
                            \(bind: token.createdAt.timeIntervalSince1970), \(bind: token.createdBy), \(bind: token.expiresAt?.timeIntervalSince1970),
                            \(bind: token.revokedAt?.timeIntervalSince1970), \(bind: token.revokedBy))
                    ON CONFLICT (id) DO UPDATE SET revoked_at = excluded.revoked_at, revoked_by = excluded.revoked_by
                    """).run()
                try await insert(event)
            }
        }
    }

    public func tokens() async throws -> [TokenRecord] {
        try await exclusive { try await db.raw("SELECT * FROM tokens ORDER BY created_at, id").all().map(decodeToken) }
    }

    public func token(digest: String) async throws -> TokenRecord? {
        try await exclusive { try await db.raw("SELECT * FROM tokens WHERE digest = \(bind: digest)").first().map(decodeToken) }
    }

    private func decodeToken(_ row: any SQLRow) throws -> TokenRecord {
        func date(_ column: String) throws -> Date? {
            try row.decodeNil(column: column) ? nil : Date(timeIntervalSince1970: try row.decode(column: column, as: Double.self))
        }
        let role = try row.decode(column: "role", as: String.self)
        return TokenRecord(id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                           // A role this build does not know (a newer server wrote it) reads as viewer: least power.
                           role: Role(rawValue: role) ?? .viewer, digest: try row.decode(column: "digest", as: String.self),
                           createdAt: try date("created_at") ?? .distantPast, createdBy: try row.decode(column: "created_by", as: String.self),
                           expiresAt: try date("expires_at"), revokedAt: try date("revoked_at"),
                           revokedBy: try row.decodeNil(column: "revoked_by") ? nil : try row.decode(column: "revoked_by", as: String.self))
    }
}
