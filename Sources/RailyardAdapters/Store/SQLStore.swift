import Foundation
import RailyardCore
import SQLKit
import RailyardPorts

/// The store on any SQLKit database (SQLite now, PostgreSQL through postgres-kit later).
///
/// Every public call runs alone (`exclusive`): an actor alone does not give that, since it lets other
/// calls in at each `await`, and a reader could then see half of a transaction (a rollout's new phase
/// without its audit event) on the shared connection.
public actor SQLStore: RailyardStore {
    let db: any SQLDatabase
    let onClose: @Sendable () async throws -> Void
    let encoder = JSONEncoder()
    let decoder = JSONDecoder()
    var busy = false
    var waiting: [CheckedContinuation<Void, Never>] = []

    public init(database: any SQLDatabase, onClose: @escaping @Sendable () async throws -> Void) {
        self.db = database
        self.onClose = onClose
    }

    public func close() async throws { try await onClose() }

    public func migrate() async throws {
        try await exclusive {
            try await db.raw("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)").run()
            let applied = Set(try await db.raw("SELECT version FROM schema_migrations").all().map { try $0.decode(column: "version", as: Int.self) })
            let serial = db.dialect.name == "sqlite" ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
            for migration in StoreMigrations.all where !applied.contains(migration.version) {
                try await transaction {
                    for statement in migration.statements(serial) { try await self.db.raw(SQLQueryString(statement)).run() }
                    if migration.version == StoreMigrations.auditChain { try await self.chainExistingEvents() }
                    try await self.db.raw("INSERT INTO schema_migrations (version, applied_at) VALUES (\(bind: migration.version), \(bind: Date().timeIntervalSince1970))").run()
                }
            }
        }
    }

    /// Runs `body` once no other call is running, in arrival order; the next waiter takes over when it ends.
    func exclusive<T>(_ body: () async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }

    /// Only inside `exclusive` (which is not reentrant: a public method never calls another).
    func transaction(_ body: () async throws -> Void) async throws {
        try await db.raw("BEGIN").run()
        do {
            try await body()
            try await db.raw("COMMIT").run()
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }

    // MARK: Rollouts

    public func save(_ rollout: RolloutRecord, events: [AuditEvent]) async throws {
        try await exclusive {
            try await transaction {
                try await upsert(rollout)
                for event in events { try await insert(event) }
            }
        }
    }

    /// Inside `exclusive` and a transaction.
    private func upsert(_ rollout: RolloutRecord) async throws {
        let json = String(decoding: try encoder.encode(rollout), as: UTF8.self)
        try await db.raw("""
            INSERT INTO rollouts (id, service, version, phase, created_at, updated_at, record)
            VALUES (\(bind: rollout.id), \(bind: rollout.service), \(bind: rollout.version), \(bind: rollout.phase.rawValue),
                    \(bind: rollout.createdAt.timeIntervalSince1970), \(bind: rollout.updatedAt.timeIntervalSince1970), \(bind: json))
            ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, updated_at = excluded.updated_at, record = excluded.record
            """).run()
    }

    public func create(_ rollout: RolloutRecord, events: [AuditEvent]) async throws {
        try await exclusive {
            try await transaction {
                if let running = try await db.raw("""
                    SELECT record FROM rollouts WHERE service = \(bind: rollout.service) AND phase NOT IN ('promoted', 'rolled_back')
                    ORDER BY created_at LIMIT 1
                    """).first().map(decodeRollout) {
                    throw StoreConflict.rolloutInProgress(running)
                }
                if try await db.raw("SELECT id FROM rollouts WHERE id = \(bind: rollout.id)").first() != nil {
                    throw StoreConflict("rollout \(rollout.id) already exists")
                }
                try await upsert(rollout)
                for event in events { try await insert(event) }
            }
        }
    }

    public func save(_ rollout: RolloutRecord, replacing previous: RolloutRecord, events: [AuditEvent]) async throws {
        try await exclusive {
            let json = String(decoding: try encoder.encode(rollout), as: UTF8.self)
            try await transaction {
                guard rollout.id == previous.id else { throw StaleWrite(subject: "rollout \(previous.id)") }
                try await expectStored(previous, table: "rollouts", id: previous.id, subject: "rollout \(previous.id)")
                try await db.raw("""
                    UPDATE rollouts SET phase = \(bind: rollout.phase.rawValue), updated_at = \(bind: rollout.updatedAt.timeIntervalSince1970),
                                        record = \(bind: json)
                    WHERE id = \(bind: rollout.id)
                    """).run()
                for event in events { try await insert(event) }
            }
        }
    }

    public func rollout(id: String) async throws -> RolloutRecord? {
        try await exclusive {
            try await db.raw("SELECT record FROM rollouts WHERE id = \(bind: id)").first().map(decodeRollout)
        }
    }

    public func rollouts(limit: Int) async throws -> [RolloutRecord] {
        try await exclusive {
            try await db.raw("SELECT record FROM rollouts ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)").all().map(decodeRollout)
        }
    }

    public func activeRollouts() async throws -> [RolloutRecord] {
        try await exclusive {
            try await db.raw("SELECT record FROM rollouts WHERE phase NOT IN ('promoted', 'rolled_back') ORDER BY created_at").all().map(decodeRollout)
        }
    }

    private func decodeRollout(_ row: any SQLRow) throws -> RolloutRecord {
        try decoder.decode(RolloutRecord.self, from: Data(try row.decode(column: "record", as: String.self).utf8))
    }

    /// Inside `exclusive` and a transaction: throws `StaleWrite` unless row `id` of `table` still holds `previous`.
    /// Compared as decoded records, `previous` after the same round trip through JSON the stored one took.
    func expectStored<Record: Codable & Equatable>(_ previous: Record, table: String, id: String, subject: String) async throws {
        let expected = try decoder.decode(Record.self, from: try encoder.encode(previous))
        // `exclusive` keeps this process's writers apart; FOR UPDATE keeps another server's out on PostgreSQL.
        let lock = db.dialect.name == "sqlite" ? "" : " FOR UPDATE"
        let stored = try await db.raw("SELECT record FROM \(unsafeRaw: table) WHERE id = \(bind: id)\(unsafeRaw: lock)").first().map {
            try decoder.decode(Record.self, from: Data(try $0.decode(column: "record", as: String.self).utf8))
        }
        guard stored == expected else { throw StaleWrite(subject: subject) }
    }

    // MARK: Audit log

    public func append(_ event: AuditEvent) async throws { try await exclusive { try await insert(event) } }

    /// Appends `event` to the chain: its id follows the last row's, its hash covers the last hash.
    /// Only inside `exclusive`, so no other write comes between the read and the insert.
    func insert(_ event: AuditEvent) async throws {
        let last = try await db.raw("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").first()
        let id = (try last?.decode(column: "id", as: Int64.self) ?? 0) + 1
        let previous: String = try last.flatMap { try $0.decode(column: "hash", as: String?.self) } ?? AuditChain.genesis
        let hash = AuditChain.hash(of: event, id: id, previous: previous)
        try await db.raw("""
            INSERT INTO audit_events (id, at, actor, kind, subject, message, reason, before_value, after_value, prev_hash, hash)
            VALUES (\(bind: id), \(bind: event.at.timeIntervalSince1970), \(bind: event.actor), \(bind: event.kind), \(bind: event.subject),
                    \(bind: event.message), \(bind: event.reason), \(bind: event.before), \(bind: event.after), \(bind: previous), \(bind: hash))
            """).run()
    }

    /// Hashes the rows written before the chain existed, in id order; run once, by the migration.
    private func chainExistingEvents() async throws {
        var previous = AuditChain.genesis
        for link in try await chainLinks() {
            let id = link.event.id ?? 0
            let hash = AuditChain.hash(of: link.event, id: id, previous: previous)
            try await db.raw("UPDATE audit_events SET prev_hash = \(bind: previous), hash = \(bind: hash) WHERE id = \(bind: id)").run()
            previous = hash
        }
    }

    /// Every row of the audit log with its chain fields, in id order.
    func chainLinks() async throws -> [AuditChain.Link] {
        try await db.raw("SELECT * FROM audit_events ORDER BY id").all().map { row in
            AuditChain.Link(event: try Self.decodeEvent(row), previousHash: try row.decode(column: "prev_hash", as: String?.self),
                            hash: try row.decode(column: "hash", as: String?.self))
        }
    }

    /// The audit chain as stored, for `railyard audit verify` and `export`.
    public func auditChain() async throws -> [AuditChain.Link] { try await exclusive { try await chainLinks() } }

    static func decodeEvent(_ row: any SQLRow) throws -> AuditEvent {
        AuditEvent(id: try row.decode(column: "id", as: Int64.self), at: Date(timeIntervalSince1970: try row.decode(column: "at", as: Double.self)),
                   actor: try row.decode(column: "actor", as: String.self), kind: try row.decode(column: "kind", as: String.self),
                   subject: try row.decode(column: "subject", as: String.self), message: try row.decode(column: "message", as: String.self),
                   reason: try row.decode(column: "reason", as: String?.self),
                   before: row.contains(column: "before_value") ? try row.decode(column: "before_value", as: String?.self) : nil,
                   after: row.contains(column: "after_value") ? try row.decode(column: "after_value", as: String?.self) : nil)
    }

    public func auditHead() async throws -> AuditHead? {
        try await exclusive {
            guard let row = try await db.raw("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").first() else { return nil }
            return AuditHead(id: try row.decode(column: "id", as: Int64.self), hash: try row.decode(column: "hash", as: String?.self) ?? "")
        }
    }

    public func events(subject: String?, limit: Int) async throws -> [AuditEvent] {
        try await exclusive {
            let rows: [any SQLRow]
            if let subject {
                rows = try await db.raw("SELECT * FROM audit_events WHERE subject = \(bind: subject) ORDER BY id DESC LIMIT \(bind: limit)").all()
            } else {
                rows = try await db.raw("SELECT * FROM audit_events ORDER BY id DESC LIMIT \(bind: limit)").all()
            }
            return try rows.reversed().map(Self.decodeEvent)
        }
    }

    // MARK: Instances and routers

    public func save(_ instance: InstanceRecord) async throws {
        try await exclusive {
            try await db.raw("""
                INSERT INTO instances (id, service, version, target, port, pid, pid_start, log_path, state, rollout_id, started_at, role)
                VALUES (\(bind: instance.id), \(bind: instance.service), \(bind: instance.version), \(bind: instance.target),
                        \(bind: instance.port), \(bind: instance.pid.map(Int.init)), \(bind: instance.pidStart), \(bind: instance.logPath),
                        \(bind: instance.state.rawValue), \(bind: instance.rolloutID), \(bind: instance.startedAt.timeIntervalSince1970),
                        \(bind: instance.role.rawValue))
                ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, pid_start = excluded.pid_start, state = excluded.state
                """).run()
        }
    }

    public func instances(includeStopped: Bool) async throws -> [InstanceRecord] {
        try await exclusive {
            let rows = includeStopped
                ? try await db.raw("SELECT * FROM instances ORDER BY started_at, id").all()
                : try await db.raw("SELECT * FROM instances WHERE state IN ('starting', 'running') ORDER BY started_at, id").all()
            return try rows.map { row in
                InstanceRecord(id: try row.decode(column: "id", as: String.self), service: try row.decode(column: "service", as: String.self),
                               version: try row.decode(column: "version", as: String.self), target: try row.decode(column: "target", as: String.self),
                               port: try row.decode(column: "port", as: Int.self), pid: try row.decode(column: "pid", as: Int?.self).map { Int32($0) },
                               pidStart: try row.decode(column: "pid_start", as: String?.self),
                               logPath: try row.decode(column: "log_path", as: String.self),
                               state: InstanceRecord.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .failed,
                               rolloutID: try row.decode(column: "rollout_id", as: String?.self),
                               startedAt: Date(timeIntervalSince1970: try row.decode(column: "started_at", as: Double.self)),
                               role: InstanceRecord.Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .serving)
            }
        }
    }

    public func save(_ router: RouterRecord) async throws {
        try await exclusive {
            try await db.raw("""
                INSERT INTO routers (target, port, admin_port, pid, pid_start, log_path, state_file, running)
                VALUES (\(bind: router.target), \(bind: router.port), \(bind: router.adminPort), \(bind: router.pid.map(Int.init)),
                        \(bind: router.pidStart), \(bind: router.logPath), \(bind: router.stateFile), \(bind: router.running ? 1 : 0))
                ON CONFLICT (target) DO UPDATE SET port = excluded.port, admin_port = excluded.admin_port, pid = excluded.pid,
                  pid_start = excluded.pid_start, log_path = excluded.log_path, state_file = excluded.state_file, running = excluded.running
                """).run()
        }
    }

    public func routers() async throws -> [RouterRecord] {
        try await exclusive {
            try await db.raw("SELECT * FROM routers ORDER BY target").all().map { row in
                RouterRecord(target: try row.decode(column: "target", as: String.self), port: try row.decode(column: "port", as: Int.self),
                             adminPort: try row.decode(column: "admin_port", as: Int.self),
                             pid: try row.decode(column: "pid", as: Int?.self).map { Int32($0) },
                             pidStart: try row.decode(column: "pid_start", as: String?.self),
                             logPath: try row.decode(column: "log_path", as: String.self),
                             stateFile: try row.decode(column: "state_file", as: String.self),
                             running: try row.decode(column: "running", as: Int.self) != 0)
            }
        }
    }

    // MARK: Analyses

    public func save(_ analysis: AnalysisRecord, events: [AuditEvent]) async throws {
        try await exclusive {
            let json = String(decoding: try encoder.encode(analysis), as: UTF8.self)
            try await transaction {
                try await db.raw("""
                    INSERT INTO analyses (id, rollout_id, started_at, record)
                    VALUES (\(bind: analysis.id), \(bind: analysis.rolloutID), \(bind: analysis.startedAt.timeIntervalSince1970), \(bind: json))
                    ON CONFLICT (id) DO UPDATE SET record = excluded.record
                    """).run()
                for event in events { try await insert(event) }
            }
        }
    }

    public func appendLook(analysisID: String, seq: Int, look: AnalysisLook, judgement: Judgement) async throws {
        try await exclusive {
            let lookJSON = String(decoding: try encoder.encode(look), as: UTF8.self)
            let judgementJSON = String(decoding: try encoder.encode(judgement), as: UTF8.self)
            try await db.raw("""
                INSERT INTO analysis_looks (analysis_id, seq, look, judgement)
                VALUES (\(bind: analysisID), \(bind: seq), \(bind: lookJSON), \(bind: judgementJSON))
                ON CONFLICT (analysis_id, seq) DO UPDATE SET look = excluded.look, judgement = excluded.judgement
                """).run()
        }
    }

    public func analysis(id: String) async throws -> AnalysisRecord? {
        try await exclusive {
            try await db.raw("SELECT record FROM analyses WHERE id = \(bind: id)").first().map {
                try decoder.decode(AnalysisRecord.self, from: Data(try $0.decode(column: "record", as: String.self).utf8))
            }
        }
    }

    public func analyses(rolloutID: String) async throws -> [AnalysisRecord] {
        try await exclusive {
            try await db.raw("SELECT record FROM analyses WHERE rollout_id = \(bind: rolloutID) ORDER BY started_at").all().map {
                try decoder.decode(AnalysisRecord.self, from: Data(try $0.decode(column: "record", as: String.self).utf8))
            }
        }
    }

    public func looks(analysisID: String) async throws -> [(look: AnalysisLook, judgement: Judgement)] {
        try await exclusive {
            try await db.raw("SELECT look, judgement FROM analysis_looks WHERE analysis_id = \(bind: analysisID) ORDER BY seq").all().map {
                (try decoder.decode(AnalysisLook.self, from: Data(try $0.decode(column: "look", as: String.self).utf8)),
                 try decoder.decode(Judgement.self, from: Data(try $0.decode(column: "judgement", as: String.self).utf8)))
            }
        }
    }

    // MARK: Scripts and stable versions

    public func save(_ script: ScriptRecord) async throws {
        try await exclusive {
            try await db.raw("""
                INSERT INTO scripts (name, checksum, state, rollout_id, at)
                VALUES (\(bind: script.name), \(bind: script.checksum), \(bind: script.state.rawValue), \(bind: script.rolloutID),
                        \(bind: script.at.timeIntervalSince1970))
                ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, state = excluded.state, rollout_id = excluded.rollout_id, at = excluded.at
                """).run()
        }
    }

    public func scripts() async throws -> [ScriptRecord] {
        try await exclusive {
            try await db.raw("SELECT * FROM scripts ORDER BY at, name").all().map { row in
                ScriptRecord(name: try row.decode(column: "name", as: String.self), checksum: try row.decode(column: "checksum", as: String.self),
                             state: ScriptRecord.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .failed,
                             rolloutID: try row.decode(column: "rollout_id", as: String.self),
                             at: Date(timeIntervalSince1970: try row.decode(column: "at", as: Double.self)))
            }
        }
    }

    public func setStableVersion(service: String, target: String, version: String) async throws {
        try await exclusive {
            try await db.raw("""
                INSERT INTO stable_versions (service, target, version) VALUES (\(bind: service), \(bind: target), \(bind: version))
                ON CONFLICT (service, target) DO UPDATE SET version = excluded.version
                """).run()
        }
    }

    public func stableVersions() async throws -> [String: [String: String]] {
        try await exclusive {
            var result: [String: [String: String]] = [:]
            for row in try await db.raw("SELECT * FROM stable_versions").all() {
                result[try row.decode(column: "service", as: String.self), default: [:]][try row.decode(column: "target", as: String.self)] =
                    try row.decode(column: "version", as: String.self)
            }
            return result
        }
    }
}
