import Foundation
import SQLiteKit
import RailyardPorts

/// Opens the configured store backend and brings its schema up to date.
public enum StoreFactory {
    public enum Backend: Sendable, Equatable {
        case sqlite(path: String)
    }

    /// The schema version this build writes (its newest migration).
    public static var schemaVersion: Int { StoreMigrations.all.map(\.version).max() ?? 0 }

    public static func open(_ backend: Backend) async throws -> any RailyardStore {
        switch backend {
        case .sqlite(let path):
            let connection = try await SQLiteConnection.open(storage: .file(path: path))
            let database = connection.sql()
            // WAL keeps readers (the CLI's `down` without a server) from blocking the engine's writes.
            try await database.raw("PRAGMA journal_mode=WAL").run()
            try await database.raw("PRAGMA busy_timeout=5000").run()
            let store = SQLStore(database: database, onClose: { try await connection.close() })
            try await store.migrate()
            return store
        }
    }

    /// The audit chain of a SQLite store, read without writing anything (the file is opened read-only
    /// and not migrated), so `railyard audit verify` can run beside a live server or without one.
    public static func auditChain(stateDirectory: String) async throws -> [AuditChain.Link] {
        let path = RailyardPaths(root: stateDirectory).storePath
        guard FileManager.default.fileExists(atPath: path) else { throw StoreReadError("no store at \(path)") }
        let uri = "file:" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path) + "?mode=ro"
        let connection = try await SQLiteConnection.open(storage: .file(path: uri))
        do {
            let database = connection.sql()
            let columns = try await database.raw("PRAGMA table_info(audit_events)").all().map { try $0.decode(column: "name", as: String.self) }
            guard columns.contains("hash") else {
                throw StoreReadError("the store at \(path) predates the audit chain (schema below \(StoreMigrations.auditChain)); "
                                     + "start `railyard serve` on it once to migrate")
            }
            let links = try await SQLStore(database: database, onClose: {}).auditChain()
            try await connection.close()
            return links
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

public struct StoreReadError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
