import Foundation
import RailyardCore
import RailyardPorts
import SQLKit

/// Artifacts, quarantine, suite durations, leases and nightly runs.
extension SQLStore {
    public func save(artifact: ArtifactRecord, event: AuditEvent) async throws {
        try await exclusive {
            let json = String(decoding: try encoder.encode(artifact), as: UTF8.self)
            try await transaction {
                if let row = try await db.raw("SELECT record FROM artifacts WHERE service = \(bind: artifact.service) AND version = \(bind: artifact.version)").first() {
                    let existing = try decoder.decode(ArtifactRecord.self, from: Data(try row.decode(column: "record", as: String.self).utf8))
                    throw StoreConflict("\(artifact.service) \(artifact.version) was already built (sha256 \(existing.sha256.prefix(12)) at "
                                        + "\(existing.builtAt.formatted(.iso8601))): a version is built once")
                }
                try await db.raw("INSERT INTO artifacts (service, version, record) VALUES (\(bind: artifact.service), \(bind: artifact.version), \(bind: json))").run()
                try await insert(event)
            }
        }
    }

    public func artifact(service: String, version: String) async throws -> ArtifactRecord? {
        try await exclusive {
            try await db.raw("SELECT record FROM artifacts WHERE service = \(bind: service) AND version = \(bind: version)").first().map {
                try decoder.decode(ArtifactRecord.self, from: Data(try $0.decode(column: "record", as: String.self).utf8))
            }
        }
    }

    public func save(quarantine entry: QuarantineEntry, event: AuditEvent) async throws {
        try await exclusive {
            let json = String(decoding: try encoder.encode(entry), as: UTF8.self)
            try await transaction {
                try await db.raw("INSERT INTO quarantine (test, record) VALUES (\(bind: entry.test), \(bind: json))").run()
                try await insert(event)
            }
        }
    }

    public func quarantine() async throws -> [QuarantineEntry] {
        try await exclusive {
            try await db.raw("SELECT record FROM quarantine ORDER BY seq").all().map {
                try decoder.decode(QuarantineEntry.self, from: Data(try $0.decode(column: "record", as: String.self).utf8))
            }
        }
    }

    public func save(durations: [String: Double], suite: String) async throws {
        try await exclusive {
            try await transaction {
                try await db.raw("DELETE FROM suite_durations WHERE suite = \(bind: suite)").run()
                for (test, seconds) in durations {
                    try await db.raw("INSERT INTO suite_durations (suite, test, seconds) VALUES (\(bind: suite), \(bind: test), \(bind: seconds))").run()
                }
            }
        }
    }

    public func durations(suite: String) async throws -> [String: Double] {
        try await exclusive {
            var result: [String: Double] = [:]
            for row in try await db.raw("SELECT test, seconds FROM suite_durations WHERE suite = \(bind: suite)").all() {
                result[try row.decode(column: "test", as: String.self)] = try row.decode(column: "seconds", as: Double.self)
            }
            return result
        }
    }

    public func acquireLease(_ name: String, holder: String, until: Date, now: Date) async throws -> Bool {
        try await exclusive {
            // One statement: taken only when free, expired or already ours, so two servers never both hold it.
            try await db.raw("""
                INSERT INTO leases (name, holder, until) VALUES (\(bind: name), \(bind: holder), \(bind: until.timeIntervalSince1970))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
                WHERE leases.until <= \(bind: now.timeIntervalSince1970) OR leases.holder = excluded.holder
                """).run()
            return try await db.raw("SELECT holder FROM leases WHERE name = \(bind: name)").first()?.decode(column: "holder", as: String.self) == holder
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await exclusive {
            try await db.raw("DELETE FROM leases WHERE name = \(bind: name) AND holder = \(bind: holder)").run()
        }
    }

    public func save(nightlyRun run: NightlyRunRecord, events: [AuditEvent]) async throws {
        try await exclusive {
            let json = String(decoding: try encoder.encode(run), as: UTF8.self)
            try await transaction {
                try await db.raw("""
                    INSERT INTO nightly_runs (id, train, state, started_at, record)
                    VALUES (\(bind: run.id), \(bind: run.train), \(bind: run.state.rawValue), \(bind: run.startedAt.timeIntervalSince1970), \(bind: json))
                    ON CONFLICT (id) DO UPDATE SET state = excluded.state, record = excluded.record
                    """).run()
                for event in events { try await insert(event) }
            }
        }
    }

    public func nightlyRun(id: String) async throws -> NightlyRunRecord? {
        try await exclusive {
            try await db.raw("SELECT record FROM nightly_runs WHERE id = \(bind: id)").first().map {
                try decoder.decode(NightlyRunRecord.self, from: Data(try $0.decode(column: "record", as: String.self).utf8))
            }
        }
    }

    public func nightlyRuns(train: String?, limit: Int) async throws -> [NightlyRunRecord] {
        try await exclusive {
            let rows = if let train {
                try await db.raw("SELECT record FROM nightly_runs WHERE train = \(bind: train) ORDER BY started_at DESC, id DESC LIMIT \(bind: limit)").all()
            } else {
                try await db.raw("SELECT record FROM nightly_runs ORDER BY started_at DESC, id DESC LIMIT \(bind: limit)").all()
            }
            return try rows.map { try decoder.decode(NightlyRunRecord.self, from: Data(try $0.decode(column: "record", as: String.self).utf8)) }
        }
    }
}
