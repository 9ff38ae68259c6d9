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
}
