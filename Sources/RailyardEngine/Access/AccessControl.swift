import Foundation
import RailyardCore
import RailyardPorts
import Synchronization

/// API tokens and who they prove: creating, listing and revoking them, checking a bearer token, and
/// the audit of every refused request. Only digests are stored; a token is shown once, when created.
public struct AccessControl: Sendable {
    let store: any RailyardStore
    let hasher: any TokenHasher
    let clock: any WallClock
    let refusals: RefusalLog

    /// Why a bearer token proves no one.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case missing
        case unknown
        case expired(name: String, at: Date)
        case revoked(name: String, by: String)

        public var description: String {
            switch self {
            case .missing: "no token: send `Authorization: Bearer TOKEN` (the CLI reads RAILYARD_TOKEN or a credentials file)"
            case .unknown: "the token is not valid"
            case .expired(let name, let at): "the token of \(name) expired at \(at.formatted(.iso8601))"
            case .revoked(let name, let by): "the token of \(name) was revoked by \(by)"
            }
        }
    }

    init(store: any RailyardStore, hasher: any TokenHasher, clock: any WallClock) {
        self.store = store
        self.hasher = hasher
        self.clock = clock
        self.refusals = RefusalLog()
    }

    /// Who `token` proves, or why it proves no one.
    public func authenticate(token: String?) async throws -> Result<Identity, Failure> {
        guard let token, !token.isEmpty else { return .failure(.missing) }
        guard token.count <= 512, let record = try await store.token(digest: hasher.digest(of: token)) else { return .failure(.unknown) }
        if record.revokedAt != nil { return .failure(.revoked(name: record.name, by: record.revokedBy ?? "someone")) }
        if let expiresAt = record.expiresAt, record.isExpired(at: clock.now()) { return .failure(.expired(name: record.name, at: expiresAt)) }
        return .success(Identity(name: record.name, role: record.role, tokenID: record.id))
    }

    /// A new token for `name` with `role`; the returned secret is shown once and never stored.
    public func create(name: String, role: Role, lifetime: Duration?, by creator: String) async throws -> (token: String, record: TokenRecord) {
        guard TokenRecord.isValidName(name) else { throw Refusal(.badRequest, "name '\(name)' is not valid: \(TokenRecord.nameRule)", field: "name") }
        if let lifetime, lifetime <= .zero { throw Refusal(.badRequest, "expires_in must be longer than zero", field: "expires_in") }
        let secret = Self.newSecret()
        let now = clock.now()
        let record = TokenRecord(id: Self.newID(), name: name, role: role, digest: hasher.digest(of: secret), createdAt: now, createdBy: creator,
                                 expiresAt: lifetime.map { now.addingTimeInterval($0.timeInterval) })
        let expiry = record.expiresAt.map { ", expires \($0.formatted(.iso8601))" } ?? ", never expires"
        try await store.save(record, event: AuditEvent(at: now, actor: creator, kind: "token.created", subject: "token:\(record.id)",
                                                       message: "token \(record.id) created for \(name) as \(role.rawValue)\(expiry)"))
        return (secret, record)
    }

    public func tokens() async throws -> [TokenRecord] { try await store.tokens() }

    /// Revokes a token at once. Refuses the caller's own token and the last active admin token, so no
    /// one locks everyone out by mistake.
    public func revoke(id: String, by caller: Identity) async throws -> TokenRecord {
        let all = try await store.tokens()
        guard var record = all.first(where: { $0.id == id }) else { throw Refusal(.notFound, "no token '\(id)'") }
        let now = clock.now()
        guard record.revokedAt == nil else { throw Refusal(.conflict, "token \(id) of \(record.name) is already revoked") }
        guard id != caller.tokenID else {
            throw Refusal(.conflict, "token \(id) is the one making this request; revoke it with another admin token")
        }
        if record.role == .admin, record.isActive(at: now), !all.contains(where: { $0.id != id && $0.role == .admin && $0.isActive(at: now) }) {
            throw Refusal(.conflict, "token \(id) is the last active admin token; create another admin token first")
        }
        record.revokedAt = now
        record.revokedBy = caller.name
        try await store.save(record, event: AuditEvent(at: now, actor: caller.name, kind: "token.revoked", subject: "token:\(id)",
                                                       message: "token \(id) of \(record.name) (\(record.role.rawValue)) revoked",
                                                       before: "active", after: "revoked"))
        return record
    }

    /// `railyard serve --init-admin`: the first admin token, on a store that has none.
    public func initAdmin(name: String) async throws -> (token: String, record: TokenRecord) {
        let existing = try await store.tokens()
        guard existing.isEmpty else {
            throw Refusal(.conflict, "--init-admin works on an empty store only, and this one has \(existing.count) token(s); "
                          + "create more with `railyard token create`")
        }
        return try await create(name: name, role: .admin, lifetime: nil, by: "railyard serve --init-admin")
    }

    /// An admin token given to `railyard serve` in a file (from a secrets manager, say). Registering
    /// the same token again changes nothing.
    public func register(adminToken token: String, name: String) async throws -> TokenRecord {
        guard token.count >= 32, token.count <= 512, token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw Refusal(.badRequest, "an admin token must be 32 to 512 printable characters without spaces")
        }
        if let existing = try await store.token(digest: hasher.digest(of: token)) { return existing }
        let now = clock.now()
        let record = TokenRecord(id: Self.newID(), name: name, role: .admin, digest: hasher.digest(of: token), createdAt: now,
                                 createdBy: "railyard serve --admin-token-file")
        try await store.save(record, event: AuditEvent(at: now, actor: record.createdBy, kind: "token.created", subject: "token:\(record.id)",
                                                       message: "admin token \(record.id) registered for \(name) from a file"))
        return record
    }

    static let localAdmin = "local-admin"

    /// The local admin token of a loopback server: keeps `current` (the token in the state folder)
    /// while it is valid, otherwise makes a new one, revokes the earlier local ones, and returns it
    /// to be written.
    public func ensureLocalAdmin(current: String?) async throws -> String? {
        if let current, case .success(let identity) = try await authenticate(token: current), identity.role == .admin,
           identity.name == Self.localAdmin {
            return nil
        }
        let (token, record) = try await create(name: Self.localAdmin, role: .admin, lifetime: nil, by: "railyard serve (loopback)")
        let now = clock.now()
        for var stale in try await store.tokens() where stale.name == Self.localAdmin && stale.id != record.id && stale.revokedAt == nil {
            stale.revokedAt = now
            stale.revokedBy = "railyard serve (loopback)"
            try await store.save(stale, event: AuditEvent(at: now, actor: "railyard serve (loopback)", kind: "token.revoked", subject: "token:\(stale.id)",
                                                          message: "earlier local admin token \(stale.id) revoked: admin.token was replaced"))
        }
        return token
    }

    /// Audits a refused request, at most a burst per client then one every few seconds, so a flood
    /// cannot fill the disk. The next entry logged says how many were left out.
    public func recordRefusal(client: String, endpoint: String, identity: String?, status: Int, reason: String) async {
        let now = clock.now()
        let decision = refusals.limiter.withLock { $0.admit(client: client, at: now) }
        guard decision.log else { return }
        let who = identity ?? "unauthenticated client \(client)"
        let left = decision.suppressed > 0 ? " (\(decision.suppressed) more refusals from \(client) were not logged)" : ""
        try? await store.append(AuditEvent(at: now, actor: who, kind: "access.refused", subject: endpoint,
                                           message: "\(status) for \(who) on \(endpoint)\(left)", reason: reason))
    }

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return "tok_" + (0..<6).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16).leftPadded(to: 2) }.joined()
    }

    /// "ry_" and 256 random bits in base64url.
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "ry_" + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// The refusal limiter, shared by every copy of `AccessControl`.
final class RefusalLog: Sendable {
    let limiter = Mutex(RefusalLimiter())
}
