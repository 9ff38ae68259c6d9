import Foundation
import RailyardCore
import RailyardPorts
import SQLKit

extension SQLStore {
    public func create(_ train: TrainRecord, events: [AuditEvent]) async throws {
        try await exclusive {
            try await transaction {
                if try await db.raw("SELECT id FROM trains WHERE id = \(bind: train.id)").first() != nil {
                    throw StoreConflict.trainExists(train.id)
                }
                try await upsert(train)
                for event in events { try await insert(event) }
            }
        }
    }

    public func save(_ train: TrainRecord, replacing previous: TrainRecord, events: [AuditEvent]) async throws {
        try await exclusive {
            try await transaction {
                try await expectStored(train: train, previous: previous)
                try await upsert(train)
                for event in events { try await insert(event) }
            }
        }
    }

    /// Inside `exclusive` and a transaction.
    func expectStored(train: TrainRecord, previous: TrainRecord) async throws {
        guard train.id == previous.id else { throw StaleWrite(subject: "train \(previous.id)") }
        try await expectStored(previous, table: "trains", id: previous.id, subject: "train \(previous.id)")
    }

    /// Inside `exclusive` and a transaction.
    func upsert(_ train: TrainRecord) async throws {
        let json = String(decoding: try JSONEncoder().encode(train), as: UTF8.self)
        try await db.raw("""
            INSERT INTO trains (id, state, created_at, updated_at, record)
            VALUES (\(bind: train.id), \(bind: train.state.rawValue), \(bind: train.createdAt.timeIntervalSince1970),
                    \(bind: train.updatedAt.timeIntervalSince1970), \(bind: json))
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, record = excluded.record
            """).run()
    }

    public func train(id: String) async throws -> TrainRecord? {
        try await exclusive {
            try await db.raw("SELECT record FROM trains WHERE id = \(bind: id)").first().map {
                try JSONDecoder().decode(TrainRecord.self, from: Data(try $0.decode(column: "record", as: String.self).utf8))
            }
        }
    }

    public func trains() async throws -> [TrainRecord] {
        try await exclusive {
            try await db.raw("SELECT record FROM trains ORDER BY created_at DESC, id DESC").all().map {
                try JSONDecoder().decode(TrainRecord.self, from: Data(try $0.decode(column: "record", as: String.self).utf8))
            }
        }
    }

    public func save(tickets: [Ticket], of record: TrainRecord, event: AuditEvent) async throws {
        try await save(tickets: tickets, of: record, replacingIfAny: nil, event: event)
    }

    public func save(tickets: [Ticket], of record: TrainRecord, replacing previous: TrainRecord, read: [Ticket], event: AuditEvent) async throws {
        try await save(tickets: tickets, of: record, replacingIfAny: (previous, read), event: event)
    }

    private func save(tickets: [Ticket], of record: TrainRecord, replacingIfAny previous: (train: TrainRecord, tickets: [Ticket])?,
                      event: AuditEvent) async throws {
        let train = record.id
        try await exclusive {
            try await transaction {
                if let previous {
                    try await expectStored(train: record, previous: previous.train)
                    let stored = try await db.raw("SELECT record FROM tickets WHERE train_id = \(bind: train) ORDER BY position").all().map {
                        try decoder.decode(Ticket.self, from: Data(try $0.decode(column: "record", as: String.self).utf8))
                    }
                    let expected = try decoder.decode([Ticket].self, from: try encoder.encode(previous.tickets))
                    guard stored == expected else { throw StaleWrite(subject: "the tickets of train \(train)") }
                }
                try await upsert(record)
                var next = try await db.raw("SELECT COALESCE(MAX(position), 0) AS last FROM tickets WHERE train_id = \(bind: train)").first()?
                    .decode(column: "last", as: Int.self) ?? 0
                for ticket in tickets {
                    next += 1
                    let json = String(decoding: try JSONEncoder().encode(ticket), as: UTF8.self)
                    try await db.raw("""
                        INSERT INTO tickets (train_id, id, position, record) VALUES (\(bind: train), \(bind: ticket.id), \(bind: next), \(bind: json))
                        ON CONFLICT (train_id, id) DO UPDATE SET record = excluded.record
                        """).run()
                }
                try await insert(event)
            }
        }
    }

    public func tickets(train: String) async throws -> [Ticket] {
        try await exclusive {
            try await db.raw("SELECT record FROM tickets WHERE train_id = \(bind: train) ORDER BY position").all().map {
                try JSONDecoder().decode(Ticket.self, from: Data(try $0.decode(column: "record", as: String.self).utf8))
            }
        }
    }

    public func save(_ validation: Validation, train: String, event: AuditEvent) async throws {
        try await exclusive {
            let json = String(decoding: try JSONEncoder().encode(validation), as: UTF8.self)
            try await transaction {
                let next = (try await db.raw("SELECT COALESCE(MAX(seq), 0) AS last FROM validations WHERE train_id = \(bind: train)").first()?
                    .decode(column: "last", as: Int.self) ?? 0) + 1
                try await db.raw("INSERT INTO validations (train_id, seq, record) VALUES (\(bind: train), \(bind: next), \(bind: json))").run()
                try await insert(event)
            }
        }
    }

    public func validations(train: String) async throws -> [Validation] {
        try await exclusive {
            try await db.raw("SELECT record FROM validations WHERE train_id = \(bind: train) ORDER BY seq").all().map {
                try JSONDecoder().decode(Validation.self, from: Data(try $0.decode(column: "record", as: String.self).utf8))
            }
        }
    }

    public func setting(_ key: String) async throws -> String? {
        try await exclusive {
            try await db.raw("SELECT value FROM settings WHERE key = \(bind: key)").first()?.decode(column: "value", as: String.self)
        }
    }

    public func save(setting key: String, value: String, event: AuditEvent) async throws {
        try await exclusive {
            try await transaction {
                try await db.raw("""
                    INSERT INTO settings (key, value) VALUES (\(bind: key), \(bind: value))
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """).run()
                try await insert(event)
            }
        }
    }
}
