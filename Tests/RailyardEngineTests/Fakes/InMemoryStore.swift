import Foundation
import RailyardCore
import RailyardPorts
import Synchronization

/// Fake store, in memory: the engine's tests run without SQLite. Same contract as `SQLStore` (newest
/// last for events, a rollout saved with its events at once).
final class InMemoryStore: RailyardStore {
    struct State {
        var rollouts: [String: RolloutRecord] = [:]
        var order: [String] = []
        var events: [AuditEvent] = []
        var instances: [String: InstanceRecord] = [:]
        var routers: [String: RouterRecord] = [:]
        var scripts: [String: ScriptRecord] = [:]
        var analyses: [String: AnalysisRecord] = [:]
        var looks: [String: [(look: AnalysisLook, judgement: Judgement)]] = [:]
        var stable: [String: [String: String]] = [:]
        var tokens: [TokenRecord] = []
        var trains: [String: TrainRecord] = [:]
        var tickets: [String: [Ticket]] = [:]
        var validations: [String: [Validation]] = [:]
        var settings: [String: String] = [:]
        var artifacts: [String: ArtifactRecord] = [:]
        var quarantine: [QuarantineEntry] = []
        var nightlyRuns: [String: NightlyRunRecord] = [:]
        var durations: [String: [String: Double]] = [:]
        var leases: [String: (holder: String, until: Date)] = [:]
    }
    let state = Mutex(State())

    func migrate() async throws {}
    func close() async throws {}

    func create(_ rollout: RolloutRecord, events: [AuditEvent]) async throws {
        let other = Self.take(interloper, for: events)
        try state.withLock { state in
            // Another deploy's rollout, stored after this writer's check.
            if let (landed, event) = other.map({ $0.change(rollout) }) {
                state.order.append(landed.id)
                state.rollouts[landed.id] = landed
                Self.append(event, to: &state)
            }
            if let running = state.order.compactMap({ state.rollouts[$0] }).first(where: { $0.service == rollout.service && $0.phase.isActive }) {
                throw StoreConflict.rolloutInProgress(running)
            }
            guard state.rollouts[rollout.id] == nil else { throw StoreConflict("rollout \(rollout.id) already exists") }
            state.order.append(rollout.id)
            state.rollouts[rollout.id] = rollout
            for event in events { Self.append(event, to: &state) }
        }
    }

    func save(_ rollout: RolloutRecord, events: [AuditEvent]) async throws {
        state.withLock { state in
            if state.rollouts[rollout.id] == nil { state.order.append(rollout.id) }
            state.rollouts[rollout.id] = rollout
            for event in events { Self.append(event, to: &state) }
        }
    }
    /// Another writer, for tests of races: its change is stored once, just before the next replacing save (or a
    /// train's create) whose events include `kind`, as if it had landed between that writer's read and its write.
    struct Interloper<Change: Sendable>: Sendable {
        let kind: String
        let change: Change
    }
    let interloper = Mutex<Interloper<@Sendable (RolloutRecord) -> (RolloutRecord, AuditEvent)>?>(nil)
    /// The same for trains.
    let trainInterloper = Mutex<Interloper<@Sendable (TrainRecord) -> TrainRecord>?>(nil)

    /// The interloper waiting for a save announced by `events`, taken (it acts once).
    static func take<Change>(_ slot: borrowing Mutex<Interloper<Change>?>, for events: [AuditEvent]) -> Interloper<Change>? {
        slot.withLock { pending in
            guard let found = pending, events.contains(where: { $0.kind == found.kind }) else { return nil }
            pending = nil
            return found
        }
    }

    func save(_ rollout: RolloutRecord, replacing previous: RolloutRecord, events: [AuditEvent]) async throws {
        let other = Self.take(interloper, for: events)
        try state.withLock { state in
            if let other, let stored = state.rollouts[previous.id] {
                let (changed, event) = other.change(stored)
                state.rollouts[previous.id] = changed
                Self.append(event, to: &state)
            }
            guard rollout.id == previous.id, state.rollouts[previous.id] == previous else { throw StaleWrite(subject: "rollout \(previous.id)") }
            state.rollouts[rollout.id] = rollout
            for event in events { Self.append(event, to: &state) }
        }
    }
    func rollout(id: String) async throws -> RolloutRecord? { state.withLock { $0.rollouts[id] } }
    func rollouts(limit: Int) async throws -> [RolloutRecord] {
        state.withLock { state in state.order.reversed().prefix(limit).compactMap { state.rollouts[$0] } }
    }
    func activeRollouts() async throws -> [RolloutRecord] {
        state.withLock { state in state.order.compactMap { state.rollouts[$0] }.filter(\.phase.isActive) }
    }

    func save(_ token: TokenRecord, event: AuditEvent) async throws {
        state.withLock { state in
            if let index = state.tokens.firstIndex(where: { $0.id == token.id }) { state.tokens[index] = token } else { state.tokens.append(token) }
            Self.append(event, to: &state)
        }
    }
    func tokens() async throws -> [TokenRecord] { state.withLock { $0.tokens } }
    func token(digest: String) async throws -> TokenRecord? { state.withLock { $0.tokens.first { $0.digest == digest } } }

    func create(_ train: TrainRecord, events: [AuditEvent]) async throws {
        let other = Self.take(trainInterloper, for: events)
        try state.withLock { state in
            // Another create of the same id, landed after this writer's check.
            if let other { state.trains[train.id] = other.change(train) }
            guard state.trains[train.id] == nil else { throw StoreConflict.trainExists(train.id) }
            state.trains[train.id] = train
            for event in events { Self.append(event, to: &state) }
        }
    }
    func save(_ train: TrainRecord, replacing previous: TrainRecord, events: [AuditEvent]) async throws {
        let other = Self.take(trainInterloper, for: events)
        try state.withLock { state in
            if let other, let stored = state.trains[previous.id] { state.trains[previous.id] = other.change(stored) }
            guard train.id == previous.id, state.trains[previous.id] == previous else { throw StaleWrite(subject: "train \(previous.id)") }
            state.trains[train.id] = train
            for event in events { Self.append(event, to: &state) }
        }
    }
    func save(tickets: [Ticket], of record: TrainRecord, replacing previous: TrainRecord, read: [Ticket], event: AuditEvent) async throws {
        guard try await self.train(id: previous.id) == previous, try await self.tickets(train: previous.id) == read, record.id == previous.id else {
            throw StaleWrite(subject: "train \(previous.id)")
        }
        try await save(tickets: tickets, of: record, event: event)
    }
    func train(id: String) async throws -> TrainRecord? { state.withLock { $0.trains[id] } }
    func trains() async throws -> [TrainRecord] { state.withLock { $0.trains.values.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) } } }
    func save(tickets: [Ticket], of record: TrainRecord, event: AuditEvent) async throws {
        let train = record.id
        state.withLock { state in
            state.trains[train] = record
            for ticket in tickets {
                if let index = state.tickets[train, default: []].firstIndex(where: { $0.id == ticket.id }) {
                    state.tickets[train]![index] = ticket
                } else {
                    state.tickets[train, default: []].append(ticket)
                }
            }
            Self.append(event, to: &state)
        }
    }
    func tickets(train: String) async throws -> [Ticket] { state.withLock { $0.tickets[train] ?? [] } }
    func save(_ validation: Validation, train: String, event: AuditEvent) async throws {
        state.withLock { $0.validations[train, default: []].append(validation) }
        try await append(event)
    }
    func validations(train: String) async throws -> [Validation] { state.withLock { $0.validations[train] ?? [] } }
    func setting(_ key: String) async throws -> String? { state.withLock { $0.settings[key] } }
    func save(setting key: String, value: String, event: AuditEvent) async throws {
        state.withLock { $0.settings[key] = value; Self.append(event, to: &$0) }
    }

    func append(_ event: AuditEvent) async throws { state.withLock { Self.append(event, to: &$0) } }
    /// The in-memory fake keeps no hash chain: its head names the last id only.
    func auditHead() async throws -> AuditHead? {
        state.withLock { $0.events.last.map { AuditHead(id: $0.id ?? 0, hash: "in-memory-store-keeps-no-chain") } }
    }
    static func append(_ event: AuditEvent, to state: inout State) {
        var numbered = event
        numbered.id = Int64(state.events.count + 1)
        state.events.append(numbered)
    }
    func events(subject: String?, limit: Int) async throws -> [AuditEvent] {
        state.withLock { Array($0.events.filter { subject == nil || $0.subject == subject }.suffix(limit)) }
    }

    func save(_ instance: InstanceRecord) async throws { state.withLock { $0.instances[instance.id] = instance } }
    func instances(includeStopped: Bool) async throws -> [InstanceRecord] {
        state.withLock { $0.instances.values.filter { includeStopped || ($0.state != .stopped && $0.state != .failed) }.sorted { $0.id < $1.id } }
    }

    func save(_ router: RouterRecord) async throws { state.withLock { $0.routers[router.target] = router } }
    func routers() async throws -> [RouterRecord] { state.withLock { $0.routers.values.sorted { $0.target < $1.target } } }

    func save(_ script: ScriptRecord) async throws { state.withLock { $0.scripts[script.name] = script } }
    func scripts() async throws -> [ScriptRecord] { state.withLock { $0.scripts.values.sorted { $0.name < $1.name } } }

    func save(_ analysis: AnalysisRecord, events: [AuditEvent]) async throws {
        state.withLock { state in
            state.analyses[analysis.id] = analysis
            for event in events { Self.append(event, to: &state) }
        }
    }
    func appendLook(analysisID: String, seq: Int, look: AnalysisLook, judgement: Judgement) async throws {
        state.withLock { $0.looks[analysisID, default: []].append((look, judgement)) }
    }
    func analysis(id: String) async throws -> AnalysisRecord? { state.withLock { $0.analyses[id] } }
    func analyses(rolloutID: String) async throws -> [AnalysisRecord] {
        state.withLock { $0.analyses.values.filter { $0.rolloutID == rolloutID }.sorted { $0.startedAt < $1.startedAt } }
    }
    func looks(analysisID: String) async throws -> [(look: AnalysisLook, judgement: Judgement)] { state.withLock { $0.looks[analysisID] ?? [] } }

    func setStableVersion(service: String, target: String, version: String) async throws {
        state.withLock { $0.stable[service, default: [:]][target] = version }
    }
    func stableVersions() async throws -> [String: [String: String]] { state.withLock { $0.stable } }

    // MARK: Nightly

    func save(artifact: ArtifactRecord, event: AuditEvent) async throws {
        try state.withLock { state in
            let key = artifact.service + " " + artifact.version
            if state.artifacts[key] != nil { throw StoreConflict("\(key) was already built") }
            state.artifacts[key] = artifact
            Self.append(event, to: &state)
        }
    }
    func artifact(service: String, version: String) async throws -> ArtifactRecord? { state.withLock { $0.artifacts[service + " " + version] } }
    func save(quarantine entry: QuarantineEntry, event: AuditEvent) async throws {
        state.withLock { $0.quarantine.append(entry); Self.append(event, to: &$0) }
    }
    func quarantine() async throws -> [QuarantineEntry] { state.withLock { $0.quarantine } }
    func save(durations: [String: Double], suite: String) async throws { state.withLock { $0.durations[suite] = durations } }
    func durations(suite: String) async throws -> [String: Double] { state.withLock { $0.durations[suite] ?? [:] } }
    func acquireLease(_ name: String, holder: String, until: Date, now: Date) async throws -> Bool {
        state.withLock { state in
            if let lease = state.leases[name], lease.until > now, lease.holder != holder { return false }
            state.leases[name] = (holder, until)
            return true
        }
    }
    func save(nightlyRun run: NightlyRunRecord, events: [AuditEvent]) async throws {
        state.withLock { state in
            state.nightlyRuns[run.id] = run
            for event in events { Self.append(event, to: &state) }
        }
    }
    func nightlyRun(id: String) async throws -> NightlyRunRecord? { state.withLock { $0.nightlyRuns[id] } }
    func nightlyRuns(train: String?, limit: Int) async throws -> [NightlyRunRecord] {
        state.withLock { state in
            Array(state.nightlyRuns.values.filter { train == nil || $0.train == train }
                .sorted { ($0.startedAt, $0.id) > ($1.startedAt, $1.id) }.prefix(limit))
        }
    }
    func releaseLease(_ name: String, holder: String) async throws {
        state.withLock { state in if state.leases[name]?.holder == holder { state.leases[name] = nil } }
    }
}
