import Foundation
import RailyardAdapters
import RailyardCore
import SQLiteKit
import Testing

/// The audit chain on a real SQLite file, tampered with behind the store's back as an intruder with
/// the file would: every edit, deletion and insertion is found, and the first bad row named.
@Suite("Audit chain on a real SQLite store", .serialized)
struct AuditChainTests {
    /// A state folder whose store holds `count` events.
    static func store(events count: Int) async throws -> String {
        let folder = NSTemporaryDirectory() + "railyard-audit-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let store = try await StoreFactory.open(.sqlite(path: folder + "/railyard.sqlite"))
        for index in 1...count {
            try await store.append(AuditEvent(at: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)), actor: "alice", kind: "test.event",
                                              subject: "s\(index)", message: "event \(index)", reason: index % 2 == 0 ? "even" : nil,
                                              before: "v\(index - 1)", after: "v\(index)"))
        }
        try await store.close()
        return folder
    }

    /// Runs raw SQL on the store file, as someone with the file would.
    static func tamper(_ folder: String, _ statements: [String]) async throws {
        let connection = try await SQLiteConnection.open(storage: .file(path: folder + "/railyard.sqlite"))
        for statement in statements { try await connection.sql().raw(SQLQueryString(statement)).run() }
        try await connection.close()
    }

    @Test func anUntouchedChainVerifies() async throws {
        let folder = try await Self.store(events: 5)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let links = try await StoreFactory.auditChain(stateDirectory: folder)
        #expect(links.count == 5 && AuditChain.verify(links) == nil)
        #expect(links[2].previousHash == links[1].hash && links[0].previousHash == AuditChain.genesis)
        #expect(links[3].event.before == "v3" && links[3].event.after == "v4" && links[3].event.reason == "even")
    }

    @Test func anEditedRowIsNamed() async throws {
        let folder = try await Self.store(events: 5)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await Self.tamper(folder, ["UPDATE audit_events SET actor = 'mallory' WHERE id = 3"])
        let broken = AuditChain.verify(try await StoreFactory.auditChain(stateDirectory: folder))
        #expect(broken?.id == 3 && broken?.problem.contains("edited") == true, "\(String(describing: broken))")
    }

    @Test func aDeletedRowIsFoundAtTheRowAfterIt() async throws {
        let folder = try await Self.store(events: 5)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await Self.tamper(folder, ["DELETE FROM audit_events WHERE id = 3"])
        let broken = AuditChain.verify(try await StoreFactory.auditChain(stateDirectory: folder))
        #expect(broken?.id == 4 && broken?.problem.contains("does not follow row 2") == true, "\(String(describing: broken))")
    }

    @Test func anInsertedRowIsFoundEvenWithItsOwnHashRight() async throws {
        let folder = try await Self.store(events: 5)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let before = try await StoreFactory.auditChain(stateDirectory: folder)
        // A forged row at position 4 whose own hash is right; the rows after it move up one.
        let forged = AuditEvent(id: 4, at: Date(timeIntervalSince1970: 1_800_000_003.5), actor: "alice", kind: "rollout.approved", subject: "s3",
                                message: "approved")
        let hash = AuditChain.hash(of: forged, id: 4, previous: before[2].hash!)
        try await Self.tamper(folder, [
            "UPDATE audit_events SET id = id + 1000 WHERE id > 3",
            "UPDATE audit_events SET id = id - 999 WHERE id > 1000",
            """
            INSERT INTO audit_events (id, at, actor, kind, subject, message, prev_hash, hash)
            VALUES (4, 1800000003.5, 'alice', 'rollout.approved', 's3', 'approved', '\(before[2].hash!)', '\(hash)')
            """,
        ])
        let links = try await StoreFactory.auditChain(stateDirectory: folder)
        #expect(links.count == 6)
        let broken = AuditChain.verify(links)
        #expect(broken?.id == 5 && broken?.problem.contains("does not follow row 4") == true, "\(String(describing: broken))")
    }

    @Test func aRowWrittenOutsideRailyardIsNamed() async throws {
        let folder = try await Self.store(events: 3)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await Self.tamper(folder, ["INSERT INTO audit_events (id, at, actor, kind, subject, message) VALUES (4, 1, 'x', 'y', 'z', 'w')"])
        let broken = AuditChain.verify(try await StoreFactory.auditChain(stateDirectory: folder))
        #expect(broken?.id == 4 && broken?.problem.contains("no hash") == true, "\(String(describing: broken))")
    }

    @Test func rowsWrittenBeforeTheChainAreChainedOnceByTheMigration() async throws {
        let folder = NSTemporaryDirectory() + "railyard-audit-old-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A store as schema 3 left it: no chain columns yet.
        try await Self.tamper(folder, [
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)",
            "INSERT INTO schema_migrations VALUES (1, 0), (2, 0), (3, 0)",
            """
            CREATE TABLE audit_events (id INTEGER PRIMARY KEY AUTOINCREMENT, at DOUBLE PRECISION NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL,
              subject TEXT NOT NULL, message TEXT NOT NULL, reason TEXT)
            """,
            "INSERT INTO audit_events (at, actor, kind, subject, message) VALUES (1, 'a', 'k', 's', 'one'), (2, 'b', 'k', 's', 'two')",
        ])
        await #expect(throws: StoreReadError.self) { try await StoreFactory.auditChain(stateDirectory: folder) }
        let store = try await StoreFactory.open(.sqlite(path: folder + "/railyard.sqlite"))
        try await store.append(AuditEvent(at: Date(timeIntervalSince1970: 3), actor: "c", kind: "k", subject: "s", message: "three"))
        try await store.close()
        let links = try await StoreFactory.auditChain(stateDirectory: folder)
        #expect(links.map(\.event.message) == ["one", "two", "three"] && AuditChain.verify(links) == nil)
    }
}
