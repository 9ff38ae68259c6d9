import Foundation
import RailyardCore

/// The store port: durable state of rollouts, trains and their tickets, processes, scripts and API
/// tokens, and the append-only audit log.
public protocol RailyardStore: Sendable {
    func migrate() async throws
    func close() async throws

    /// Saves a rollout and appends its audit events in one transaction.
    func save(_ rollout: RolloutRecord, events: [AuditEvent]) async throws
    /// Stores a new rollout and its audit events in one transaction, only while no other rollout of its service is
    /// active: throws `StoreConflict`, writing nothing, if one is (two deploys racing past the request's own check
    /// never both run), or if a rollout with its id is stored already.
    func create(_ rollout: RolloutRecord, events: [AuditEvent]) async throws
    /// Saves `rollout` in place of `previous`, with its events, in one transaction, only if the stored rollout is still
    /// `previous`; throws `StaleWrite`, writing nothing, if another writer changed it since `previous` was read.
    func save(_ rollout: RolloutRecord, replacing previous: RolloutRecord, events: [AuditEvent]) async throws
    func rollout(id: String) async throws -> RolloutRecord?
    func rollouts(limit: Int) async throws -> [RolloutRecord]
    func activeRollouts() async throws -> [RolloutRecord]

    func append(_ event: AuditEvent) async throws
    /// Newest last; `subject` nil for all.
    func events(subject: String?, limit: Int) async throws -> [AuditEvent]
    /// The newest row of the audit chain; nil while the log is empty.
    func auditHead() async throws -> AuditHead?

    func save(_ instance: InstanceRecord) async throws
    func instances(includeStopped: Bool) async throws -> [InstanceRecord]

    func save(_ router: RouterRecord) async throws
    func routers() async throws -> [RouterRecord]

    func save(_ script: ScriptRecord) async throws
    func scripts() async throws -> [ScriptRecord]

    /// Saves an analysis with the audit events that announce its change (started, a verdict, a watch's hold), in one transaction.
    func save(_ analysis: AnalysisRecord, events: [AuditEvent]) async throws
    func appendLook(analysisID: String, seq: Int, look: AnalysisLook, judgement: Judgement) async throws
    func analysis(id: String) async throws -> AnalysisRecord?
    func analyses(rolloutID: String) async throws -> [AnalysisRecord]
    /// Every look of an analysis with the judgement made at it, in order.
    func looks(analysisID: String) async throws -> [(look: AnalysisLook, judgement: Judgement)]

    /// Saves a token (new, or revoked) and its audit event in one transaction.
    func save(_ token: TokenRecord, event: AuditEvent) async throws
    /// Every token, oldest first.
    func tokens() async throws -> [TokenRecord]
    func token(digest: String) async throws -> TokenRecord?

    /// Stores a new train and appends its audit events in one transaction. Throws `StoreConflict`, writing nothing,
    /// if a train with its id is stored already: two creates of one id never keep the second over the first.
    func create(_ train: TrainRecord, events: [AuditEvent]) async throws
    /// Saves `train` in place of `previous` (as read), only if the stored train is still `previous`: throws `StaleWrite`,
    /// writing nothing, if another writer (a person, the train controller, a merge) changed it since.
    func save(_ train: TrainRecord, replacing previous: TrainRecord, events: [AuditEvent]) async throws
    func train(id: String) async throws -> TrainRecord?
    /// Every train, newest first.
    func trains() async throws -> [TrainRecord]
    /// Adds or replaces tickets of a train, all or none, and saves the train (its last change) with
    /// the audit event, in one transaction.
    func save(tickets: [Ticket], of train: TrainRecord, event: AuditEvent) async throws
    /// The same, only if the stored train is still `previous` and its stored tickets still `read` (what the writer decided on):
    /// `StaleWrite` otherwise, nothing written.
    func save(tickets: [Ticket], of train: TrainRecord, replacing previous: TrainRecord, read: [Ticket], event: AuditEvent) async throws
    /// A train's tickets in the order they were added.
    func tickets(train: String) async throws -> [Ticket]
    /// Appends a tester's verdict on a ticket with its audit event.
    func save(_ validation: Validation, train: String, event: AuditEvent) async throws
    /// A train's validations, oldest first.
    func validations(train: String) async throws -> [Validation]

    /// A small named piece of state (the train schedule's skipped runs), as JSON text; nil when never saved.
    func setting(_ key: String) async throws -> String?
    /// Saves a setting and its audit event in one transaction.
    func save(setting key: String, value: String, event: AuditEvent) async throws

    // MARK: Nightly

    /// Records a built artifact with its event; a version is built once, so a second record of the same
    /// service and version throws `StoreConflict`.
    func save(artifact: ArtifactRecord, event: AuditEvent) async throws
    func artifact(service: String, version: String) async throws -> ArtifactRecord?
    /// Adds a quarantine entry (a renewal is a new entry) with its event.
    func save(quarantine: QuarantineEntry, event: AuditEvent) async throws
    /// Every quarantine entry, oldest first.
    func quarantine() async throws -> [QuarantineEntry]
    /// A suite's measured durations per listed test, replacing the previous ones.
    func save(durations: [String: Double], suite: String) async throws
    func durations(suite: String) async throws -> [String: Double]
    /// Takes the lease `name` for `holder` until `until` when it is free, expired, or already this
    /// holder's; returns whether it is held by `holder` now. Never two holders at once, across restarts.
    func acquireLease(_ name: String, holder: String, until: Date, now: Date) async throws -> Bool
    /// Gives the lease back, if `holder` holds it.
    func releaseLease(_ name: String, holder: String) async throws

    /// Saves a nightly run (new, or a change of phase or state) with its audit events in one transaction.
    func save(nightlyRun: NightlyRunRecord, events: [AuditEvent]) async throws
    func nightlyRun(id: String) async throws -> NightlyRunRecord?
    /// The newest `limit` runs, newest first; `train` nil for every train's.
    func nightlyRuns(train: String?, limit: Int) async throws -> [NightlyRunRecord]

    func setStableVersion(service: String, target: String, version: String) async throws
    /// service → target → version
    func stableVersions() async throws -> [String: [String: String]]
}

extension RailyardStore {
    /// Saves an analysis's progress that nothing announces (a look's state).
    public func save(_ analysis: AnalysisRecord) async throws { try await save(analysis, events: []) }
}
