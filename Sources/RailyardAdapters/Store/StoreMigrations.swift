/// Versioned schema changes, applied in order and recorded in `schema_migrations`. Written in the
/// SQL that SQLite and PostgreSQL share, with the few dialect differences passed in.
enum StoreMigrations {
    struct Migration: Sendable {
        let version: Int
        let statements: @Sendable (_ autoIncrementKey: String) -> [String]
    }

    static let all: [Migration] = [
        Migration(version: 1) { serial in [
            """
            CREATE TABLE audit_events (id \(serial), at DOUBLE PRECISION NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL,
              subject TEXT NOT NULL, message TEXT NOT NULL, reason TEXT)
            """,
            "CREATE INDEX audit_events_subject ON audit_events (subject)",
            """
            CREATE TABLE rollouts (id TEXT PRIMARY KEY, service TEXT NOT NULL, version TEXT NOT NULL, phase TEXT NOT NULL,
              created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL, record TEXT NOT NULL)
            """,
            """
            CREATE TABLE instances (id TEXT PRIMARY KEY, service TEXT NOT NULL, version TEXT NOT NULL, target TEXT NOT NULL,
              port INTEGER NOT NULL, pid INTEGER, pid_start TEXT, log_path TEXT NOT NULL, state TEXT NOT NULL,
              rollout_id TEXT, started_at DOUBLE PRECISION NOT NULL)
            """,
            """
            CREATE TABLE routers (target TEXT PRIMARY KEY, port INTEGER NOT NULL, admin_port INTEGER NOT NULL, pid INTEGER,
              pid_start TEXT, log_path TEXT NOT NULL, state_file TEXT NOT NULL, running INTEGER NOT NULL)
            """,
            """
            CREATE TABLE scripts (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, state TEXT NOT NULL, rollout_id TEXT NOT NULL,
              at DOUBLE PRECISION NOT NULL)
            """,
            """
            CREATE TABLE stable_versions (service TEXT NOT NULL, target TEXT NOT NULL, version TEXT NOT NULL,
              PRIMARY KEY (service, target))
            """,
        ] },
        Migration(version: 2) { _ in [
            "ALTER TABLE instances ADD COLUMN role TEXT NOT NULL DEFAULT 'serving'",
            """
            CREATE TABLE analyses (id TEXT PRIMARY KEY, rollout_id TEXT NOT NULL, started_at DOUBLE PRECISION NOT NULL,
              record TEXT NOT NULL)
            """,
            "CREATE INDEX analyses_rollout ON analyses (rollout_id)",
            """
            CREATE TABLE analysis_looks (analysis_id TEXT NOT NULL, seq INTEGER NOT NULL, look TEXT NOT NULL, judgement TEXT NOT NULL,
              PRIMARY KEY (analysis_id, seq))
            """,
        ] },
        Migration(version: 3) { _ in [
            """
            CREATE TABLE tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, digest TEXT NOT NULL UNIQUE,
              created_at DOUBLE PRECISION NOT NULL, created_by TEXT NOT NULL, expires_at DOUBLE PRECISION,
              revoked_at DOUBLE PRECISION, revoked_by TEXT)
            """,
        ] },
        // The audit chain; `SQLStore.migrate` hashes the rows written before it, once.
        Migration(version: 4) { _ in [
            "ALTER TABLE audit_events ADD COLUMN before_value TEXT",
            "ALTER TABLE audit_events ADD COLUMN after_value TEXT",
            "ALTER TABLE audit_events ADD COLUMN prev_hash TEXT",
            "ALTER TABLE audit_events ADD COLUMN hash TEXT",
        ] },
        Migration(version: 5) { _ in [
            """
            CREATE TABLE trains (id TEXT PRIMARY KEY, state TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
              updated_at DOUBLE PRECISION NOT NULL, record TEXT NOT NULL)
            """,
            """
            CREATE TABLE tickets (train_id TEXT NOT NULL, id TEXT NOT NULL, position INTEGER NOT NULL, record TEXT NOT NULL,
              PRIMARY KEY (train_id, id))
            """,
        ] },
        Migration(version: 6) { _ in [
            "CREATE TABLE validations (train_id TEXT NOT NULL, seq INTEGER NOT NULL, record TEXT NOT NULL, PRIMARY KEY (train_id, seq))",
        ] },
        Migration(version: 7) { _ in [
            "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ] },
        Migration(version: 8) { serial in [
            "CREATE TABLE artifacts (service TEXT NOT NULL, version TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (service, version))",
            "CREATE TABLE quarantine (seq \(serial), test TEXT NOT NULL, record TEXT NOT NULL)",
            "CREATE TABLE suite_durations (suite TEXT NOT NULL, test TEXT NOT NULL, seconds DOUBLE PRECISION NOT NULL, PRIMARY KEY (suite, test))",
            "CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until DOUBLE PRECISION NOT NULL)",
        ] },
        Migration(version: 9) { _ in [
            "CREATE TABLE nightly_runs (id TEXT PRIMARY KEY, train TEXT, state TEXT NOT NULL, started_at DOUBLE PRECISION NOT NULL, record TEXT NOT NULL)",
            "CREATE INDEX nightly_runs_started ON nightly_runs (started_at)",
        ] },
    ]

    /// The migration that starts the audit chain.
    static let auditChain = 4
}
