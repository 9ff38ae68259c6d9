import Foundation
import RailyardAdapters
import RailyardCore
import SQLiteKit
import Testing

/// `railyard audit verify` and `export` on the binary, on a state folder and no server: exit 0 on an
/// intact chain, 1 naming the first bad row; an export's head catches a consistent rewrite.
@Suite("railyard audit verify / export", .serialized)
struct AuditCLITests {
    static func tamper(_ folder: String, _ statements: [String]) async throws {
        let connection = try await SQLiteConnection.open(storage: .file(path: folder + "/railyard.sqlite"))
        for statement in statements { try await connection.sql().raw(SQLQueryString(statement)).run() }
        try await connection.close()
    }

    @Test func verifyNamesTheFirstBadRowAndAnExportCatchesARewrite() async throws {
        let folder = try RailyardBinary.temporaryFolder("audit-cli")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await StoreFactory.open(.sqlite(path: folder + "/railyard.sqlite"))
        for index in 1...4 {
            try await store.append(AuditEvent(at: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)), actor: "alice", kind: "rollout.approved",
                                              subject: "payin-v\(index)", message: "approved by alice"))
        }
        try await store.close()

        let intact = try await CLIExitCodeTests.railyard(["audit", "verify", "--state-dir", folder])
        #expect(intact.status == 0 && intact.out.hasPrefix("audit chain intact: 4 rows, head row 4 "), "\(intact.out) \(intact.err)")
        let exported = try await CLIExitCodeTests.railyard(["audit", "export", "--state-dir", folder, "--file", folder + "/export.json"])
        #expect(exported.status == 0 && exported.out.contains("exported 4 rows"), "\(exported.out) \(exported.err)")

        // A consistent rewrite: row 2 now names mallory, and every hash from row 2 on is recomputed.
        var links = try await StoreFactory.auditChain(stateDirectory: folder)
        links[1].event.actor = "mallory"
        var previous = links[0].hash!
        var statements = ["UPDATE audit_events SET actor = 'mallory' WHERE id = 2"]
        for link in links.dropFirst() {
            let hash = AuditChain.hash(of: link.event, id: link.event.id!, previous: previous)
            statements.append("UPDATE audit_events SET prev_hash = '\(previous)', hash = '\(hash)' WHERE id = \(link.event.id!)")
            previous = hash
        }
        try await Self.tamper(folder, statements)
        let rewritten = try await CLIExitCodeTests.railyard(["audit", "verify", "--state-dir", folder])
        #expect(rewritten.status == 0, "a consistent rewrite passes on its own: only an export kept elsewhere catches it")
        let anchored = try await CLIExitCodeTests.railyard(["audit", "verify", "--state-dir", folder, "--anchor", folder + "/export.json", "--output", "json"])
        #expect(anchored.status == 1 && anchored.out.contains(#""first_bad_row" : 4"#) && anchored.out.contains("rewritten after that export"),
                "\(anchored.out) \(anchored.err)")

        try await Self.tamper(folder, ["UPDATE audit_events SET message = 'approved by bob' WHERE id = 3"])
        let edited = try await CLIExitCodeTests.railyard(["audit", "verify", "--state-dir", folder])
        #expect(edited.status == 1 && edited.err.contains("audit row 3") && edited.err.contains("edited"), "\(edited.out) \(edited.err)")

        let none = try await CLIExitCodeTests.railyard(["audit", "verify", "--state-dir", folder + "/nothing"])
        #expect(none.status == 1 && none.err.contains("no store at"), "\(none.err)")
    }
}
