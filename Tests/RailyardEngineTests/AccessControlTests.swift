import Foundation
import RailyardCore
import RailyardEngine
import RailyardPorts
import Testing

/// Tokens and four-eyes in the engine, on the in-memory store and a manual clock.
@Suite("Access control: tokens, expiry, revocation, four-eyes")
struct AccessControlTests {
    static let canary = """
            - name: canary
              target: dc1
              steps: [deploy, pause: approval, promote]
        """

    @Test func aTokenProvesItsNameAndRoleAndOnlyItsDigestIsStored() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.canary))
        let (token, record) = try await f.engine.access.create(name: "alice", role: .releaseOwner, lifetime: nil, by: "admin")
        #expect(token.hasPrefix("ry_") && token.count == 46, "\(token)")
        let stored = try await f.store.tokens()
        #expect(stored.count == 1 && stored[0].digest == "digest(\(token))" && stored[0].digest != token)
        let identity = try await f.engine.access.authenticate(token: token).get()
        #expect(identity == Identity(name: "alice", role: .releaseOwner, tokenID: record.id))
        #expect(try await f.engine.access.authenticate(token: token + "x") == .failure(.unknown))
        #expect(try await f.engine.access.authenticate(token: nil) == .failure(.missing))
        #expect(try await f.engine.access.authenticate(token: "") == .failure(.missing))
        let (other, _) = try await f.engine.access.create(name: "bob", role: .approver, lifetime: nil, by: "admin")
        #expect(other != token, "every token is random")
        let created = try await f.store.events(subject: nil, limit: 10).filter { $0.kind == "token.created" }
        #expect(created.count == 2 && created.allSatisfy { $0.actor == "admin" && !$0.message.contains(token) }, "\(created)")
    }

    @Test func anExpiredTokenIsRefusedFromItsExpiryOn() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.canary))
        let (token, _) = try await f.engine.access.create(name: "carol", role: .viewer, lifetime: .seconds(3600), by: "admin")
        f.clock.advance(by: 3599)
        #expect(try await f.engine.access.authenticate(token: token).get().name == "carol")
        f.clock.advance(by: 1)
        guard case .failure(.expired(let name, _)) = try await f.engine.access.authenticate(token: token) else {
            Issue.record("an hour-long token is still accepted after an hour")
            return
        }
        #expect(name == "carol")
    }

    @Test func revokingRefusesYourOwnTokenAndTheLastAdmin() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.canary))
        let (root, rootRecord) = try await f.engine.access.create(name: "root", role: .admin, lifetime: nil, by: "test")
        let me = try await f.engine.access.authenticate(token: root).get()
        let (_, alice) = try await f.engine.access.create(name: "alice", role: .releaseOwner, lifetime: nil, by: "root")
        let (aliceToken, _) = (try await f.engine.access.create(name: "alice", role: .approver, lifetime: nil, by: "root"))

        await #expect(throws: Refusal.self) { try await f.engine.access.revoke(id: rootRecord.id, by: me) }
        let (_, second) = try await f.engine.access.create(name: "ops", role: .admin, lifetime: nil, by: "root")
        let secondIdentity = Identity(name: "ops", role: .admin, tokenID: second.id)
        // The last active admin: refused even to another admin's token once only one is left.
        _ = try await f.engine.access.revoke(id: rootRecord.id, by: secondIdentity)
        #expect(try await f.engine.access.authenticate(token: root) == .failure(.revoked(name: "root", by: "ops")))
        do {
            _ = try await f.engine.access.revoke(id: second.id, by: Identity(name: "x", role: .admin, tokenID: "other"))
            Issue.record("the last admin token was revoked")
        } catch let refusal as Refusal {
            #expect(refusal.kind == .conflict && refusal.reason.contains("last active admin"), "\(refusal)")
        }
        let revoked = try await f.engine.access.revoke(id: alice.id, by: secondIdentity)
        #expect(revoked.revokedBy == "ops")
        // alice's other token still works: revocation is per token.
        #expect(try await f.engine.access.authenticate(token: aliceToken).get().role == .approver)
        do {
            _ = try await f.engine.access.revoke(id: "tok_nope", by: secondIdentity)
            Issue.record("an unknown token was revoked")
        } catch let refusal as Refusal {
            #expect(refusal.kind == .notFound)
        }
    }

    @Test func initAdminWorksOnAnEmptyStoreOnly() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.canary))
        let (token, record) = try await f.engine.access.initAdmin(name: "admin")
        let admin = try await f.engine.access.authenticate(token: token).get()
        #expect(record.role == .admin && admin.name == "admin")
        await #expect(throws: Refusal.self) { try await f.engine.access.initAdmin(name: "admin") }
        #expect(try await f.store.tokens().count == 1, "a refused --init-admin changes nothing")
    }

    @Test func theLocalAdminTokenIsKeptWhileValidAndReplacedOtherwise() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.canary))
        let first = try #require(try await f.engine.access.ensureLocalAdmin(current: nil))
        #expect(try await f.engine.access.ensureLocalAdmin(current: first) == nil, "a valid local token is kept across restarts")
        // The file was lost or altered: a new token, and the old one no longer works.
        let second = try #require(try await f.engine.access.ensureLocalAdmin(current: "garbage"))
        #expect(second != first)
        #expect(try await f.engine.access.authenticate(token: second).get().role == .admin)
        guard case .failure(.revoked) = try await f.engine.access.authenticate(token: first) else {
            Issue.record("the replaced local admin token still works")
            return
        }
    }

    @Test func badNamesAndLifetimesAreRefusedWithTheirField() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.canary))
        for name in ["", "al ice", "-alice", String(repeating: "a", count: 65), "alice\n"] {
            do {
                _ = try await f.engine.access.create(name: name, role: .viewer, lifetime: nil, by: "admin")
                Issue.record("name '\(name)' accepted")
            } catch let refusal as Refusal {
                #expect(refusal.field == "name", "\(refusal)")
            }
        }
        await #expect(throws: Refusal.self) { try await f.engine.access.create(name: "ok", role: .viewer, lifetime: .zero, by: "admin") }
        #expect(try await f.store.tokens().isEmpty)
    }

    @Test func theDeployerCannotApproveTheirOwnProductionChangeButAnotherApproverCan() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.canary))
        try await f.run {
            try await f.engine.operations.up(actor: "ops")
            let id = try await f.engine.rollouts.deploy(service: "payin", version: "v2", actor: "alice").id
            #expect(try await f.settle(id).phase == .awaitingApproval)
            do {
                _ = try await f.engine.rollouts.approve(id: id, actor: "alice")
                Issue.record("alice approved her own production change")
            } catch let refusal as Refusal {
                #expect(refusal.kind == .forbidden && refusal.reason.contains("four-eyes"), "\(refusal)")
            }
            #expect(try await f.engine.rollouts.rollout(id: id).phase == .awaitingApproval, "a refused approval changes nothing")
            _ = try await f.engine.rollouts.approve(id: id, actor: "bob")
            #expect(try await f.settle(id).phase == .promoted)
            let approved = try await f.store.events(subject: id, limit: 100).filter { $0.kind == "rollout.approved" }
            #expect(approved.map(\.actor) == ["bob"], "\(approved)")
        }
    }

    @Test func outsideProductionTheDeployerMayApprove() async throws {
        let config = try FakeEngine.config(waves: """
                - name: staging
                  target: staging
                  steps: [deploy, pause: approval, promote]
            """)
        #expect(!config.deploymentReachesProduction)
        let f = FakeEngine(config: config)
        try await f.run {
            try await f.engine.operations.up(actor: "ops")
            let id = try await f.engine.rollouts.deploy(service: "payin", version: "v2", actor: "dev").id
            #expect(try await f.settle(id).phase == .awaitingApproval)
            _ = try await f.engine.rollouts.approve(id: id, actor: "dev")
            #expect(try await f.settle(id).phase == .promoted)
        }
    }
}
