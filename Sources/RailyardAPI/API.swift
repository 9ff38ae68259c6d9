import Foundation
import RailyardCore

/// Request and response bodies of the HTTP API (described in `docs/openapi.yaml`).
public enum API {
    public struct DeployRequest: Codable, Sendable {
        public var service: String
        public var version: String
        public init(service: String, version: String) { self.service = service; self.version = version }
    }

    public struct AbortRequest: Codable, Sendable {
        public var reason: String?
        public init(reason: String?) { self.reason = reason }
    }

    /// A stored analysis: its settings, verdict and every look with the judgement made at it.
    public struct AnalysisReport: Codable, Sendable {
        public struct Entry: Codable, Sendable {
            public var look: AnalysisLook
            public var judgement: Judgement
            public init(look: AnalysisLook, judgement: Judgement) {
                self.look = look
                self.judgement = judgement
            }
        }
        public var analysis: AnalysisRecord
        public var looks: [Entry]
        public init(analysis: AnalysisRecord, looks: [Entry]) {
            self.analysis = analysis
            self.looks = looks
        }
    }

    /// An error answer, as RFC 9457 `application/problem+json`: `detail` says why in words meant
    /// for a person; `field` names the input at fault, `required_roles` the roles that may call.
    public struct Problem: Codable, Sendable {
        public var type: String
        public var title: String
        public var status: Int
        public var detail: String
        public var instance: String?
        public var field: String?
        public var requiredRoles: [Role]?
        /// Every problem with an imported file, by line and field.
        public var errors: [ImportDiagnostic]?
        public init(type: String, title: String, status: Int, detail: String, instance: String? = nil, field: String? = nil,
                    requiredRoles: [Role]? = nil, errors: [ImportDiagnostic]? = nil) {
            self.errors = errors
            self.type = type
            self.title = title
            self.status = status
            self.detail = detail
            self.instance = instance
            self.field = field
            self.requiredRoles = requiredRoles
        }

        public static let mediaType = "application/problem+json"
    }

    public struct TokenRequest: Codable, Sendable {
        public var name: String
        public var role: Role
        /// "90d", "12h"; absent for a token that does not expire.
        public var expiresIn: String?
        public init(name: String, role: Role, expiresIn: String?) {
            self.name = name
            self.role = role
            self.expiresIn = expiresIn
        }
    }

    /// A token as listed: never its secret.
    public struct TokenView: Codable, Sendable {
        public var id: String
        public var name: String
        public var role: Role
        public var createdAt: Date
        public var createdBy: String
        public var expiresAt: Date?
        public var revokedAt: Date?
        public var revokedBy: String?
        /// active, expired or revoked.
        public var state: String
        public init(_ record: TokenRecord, now: Date) {
            id = record.id
            name = record.name
            role = record.role
            createdAt = record.createdAt
            createdBy = record.createdBy
            expiresAt = record.expiresAt
            revokedAt = record.revokedAt
            revokedBy = record.revokedBy
            state = record.revokedAt != nil ? "revoked" : record.isExpired(at: now) ? "expired" : "active"
        }
    }

    /// A new token: the secret, shown this once.
    public struct CreatedToken: Codable, Sendable {
        public var token: String
        public var id: String
        public var name: String
        public var role: Role
        public var expiresAt: Date?
        public init(token: String, record: TokenRecord) {
            self.token = token
            id = record.id
            name = record.name
            role = record.role
            expiresAt = record.expiresAt
        }
    }

    /// `POST /nightly/runs`: the train to run (none: the train in development, else the fleet as it runs).
    public struct NightlyRunRequest: Codable, Sendable {
        public var train: String?
        public init(train: String?) { self.train = train }
    }

    /// `POST /nightly/quarantine`.
    public struct QuarantineRequest: Codable, Sendable {
        public var test: String
        public var reason: String
        public var owner: String
        /// How long, e.g. `14d`.
        public var expiresIn: String
        public init(test: String, reason: String, owner: String, expiresIn: String) {
            self.test = test
            self.reason = reason
            self.owner = owner
            self.expiresIn = expiresIn
        }
    }

    public struct TrainRequest: Codable, Sendable {
        public var id: String
        public var captain: String
        /// service → version
        public var services: [String: String]?
        public var kind: TrainKind?
        public var fixes: String?
        public init(id: String, captain: String, services: [String: String]?, kind: TrainKind?, fixes: String?) {
            self.id = id
            self.captain = captain
            self.services = services
            self.kind = kind
            self.fixes = fixes
        }
    }

    /// A train with its tickets.
    public struct TrainView: Codable, Sendable {
        public var train: TrainRecord
        public var tickets: [Ticket]
        public var forecast: TrainForecast?
        public init(train: TrainRecord, tickets: [Ticket], forecast: TrainForecast? = nil) {
            self.train = train
            self.tickets = tickets
            self.forecast = forecast
        }
    }

    /// A tracker's export sent whole: the server reads it with the column mapping of its railyard.yml.
    public struct TicketImportRequest: Codable, Sendable {
        public var fileName: String
        public var content: String
        /// Import the good rows and report the bad ones, instead of importing nothing.
        public var skipInvalid: Bool?
        public init(fileName: String, content: String, skipInvalid: Bool?) {
            self.fileName = fileName
            self.content = content
            self.skipInvalid = skipInvalid
        }
    }

    public struct TicketImportResult: Codable, Sendable {
        public var imported: Int
        public var skipped: [ImportDiagnostic]
        public init(imported: Int, skipped: [ImportDiagnostic]) {
            self.imported = imported
            self.skipped = skipped
        }
    }

    /// A hotfix skipping ahead to a stage.
    public struct SkipRequest: Codable, Sendable {
        public var to: TrainState
        public var reason: String
        public init(to: TrainState, reason: String) {
            self.to = to
            self.reason = reason
        }
    }

    public struct ReasonRequest: Codable, Sendable {
        public var reason: String
        public init(reason: String) { self.reason = reason }
    }

    /// A tester's verdict on a ticket in an environment.
    public struct ValidationRequest: Codable, Sendable {
        public var environment: String
        public var verdict: Validation.Verdict
        public var comment: String
        public init(environment: String, verdict: Validation.Verdict, comment: String) {
            self.environment = environment
            self.verdict = verdict
            self.comment = comment
        }
    }

    /// End the soak of the train's current stage early, or extend it by `duration` (e.g. 12h).
    public struct SoakRequest: Codable, Sendable {
        public var action: SoakChange.Kind
        public var duration: String?
        public var reason: String
        public init(action: SoakChange.Kind, duration: String?, reason: String) {
            self.action = action
            self.duration = duration
            self.reason = reason
        }
    }

    /// Move a simulated clock forward by a duration such as 3d.
    public struct ClockAdvanceRequest: Codable, Sendable {
        public var by: String
        public init(by: String) { self.by = by }
    }

    public struct ClockView: Codable, Sendable {
        public var now: Date
        public init(now: Date) { self.now = now }
    }

    /// Skip (with a reason) or resume the scheduled creation of a sprint's train.
    public struct ScheduleRunRequest: Codable, Sendable {
        public var train: String
        public var reason: String?
        public init(train: String, reason: String?) {
            self.train = train
            self.reason = reason
        }
    }

    /// The service versions a train carries, all of them.
    public struct TrainServicesRequest: Codable, Sendable {
        public var services: [String: String]
        public init(services: [String: String]) { self.services = services }
    }

    /// One ticket written by hand.
    public struct TicketRequest: Codable, Sendable {
        public var title: String
        public var type: String?
        public var owner: String
        public var services: [String]
        public var mergedAt: String?
        public init(title: String, type: String?, owner: String, services: [String], mergedAt: String?) {
            self.title = title
            self.type = type
            self.owner = owner
            self.services = services
            self.mergedAt = mergedAt
        }
    }

    /// A checklist item for the captain's approvals.
    public struct ApprovalItemRequest: Codable, Sendable {
        public var title: String
        public var assignee: String
        public init(title: String, assignee: String) {
            self.title = title
            self.assignee = assignee
        }
    }

    public struct WhoAmI: Codable, Sendable {
        public var name: String
        public var role: Role
        public var tokenId: String
        public init(_ identity: Identity) {
            name = identity.name
            role = identity.role
            tokenId = identity.tokenID
        }
    }

    /// What a service's stable version serves in one target, read through the metric source as the analysis
    /// reads it: `validate --traffic` and `deploy` check the latency buckets against the analysis steps.
    public struct ServiceCounters: Codable, Sendable {
        public var service: String
        public var target: String
        public var version: String
        /// The live instances read.
        public var instances: Int
        /// Cumulative since those instances started.
        public var counters: GroupCounters
        public init(service: String, target: String, version: String, instances: Int, counters: GroupCounters) {
            self.service = service
            self.target = target
            self.version = version
            self.instances = instances
            self.counters = counters
        }
    }

    /// A rollout as people read it: its record plus where it stands in words.
    public struct RolloutView: Codable, Sendable {
        public var id: String
        public var service: String
        public var version: String
        public var phase: RolloutPhase
        public var wave: String
        public var step: String
        public var stepIndex: Int
        public var stepCount: Int
        public var reason: String?
        public var createdBy: String
        public var createdAt: Date
        public var updatedAt: Date
        public var pauseUntil: Date?
        public var targets: [String: TargetProgress]
        public var rollbackPlan: [String]
        public var rollbackDone: Int
        /// The train whose release created it, and how that train's risk policy changes its steps.
        public var train: String?
        public var adjustments: RolloutAdjustments?
        /// The target it is held before, waiting for its train.
        public var heldBefore: String?
        /// The latest look of the analysis running now, if any.
        public var analysis: LiveAnalysis?

        public init(_ record: RolloutRecord, deployment: DeploymentSpec, analysis: LiveAnalysis? = nil) {
            self.analysis = record.phase.isActive ? analysis : nil
            id = record.id
            service = record.service
            version = record.version
            phase = record.phase
            let wave = deployment.waves[min(record.cursor.wave, deployment.waves.count - 1)]
            self.wave = wave.name
            let written = wave.steps[min(record.cursor.step, wave.steps.count - 1)]
            step = (record.adjustments?.adjust(written) ?? written).description
            let flat = deployment.waves.flatMap(\.steps).count
            stepCount = flat
            stepIndex = deployment.waves.prefix(record.cursor.wave).reduce(0) { $0 + $1.steps.count } + record.cursor.step
            if record.phase == .finishing || record.phase == .promoted { stepIndex = flat }
            reason = record.reason
            createdBy = record.createdBy
            createdAt = record.createdAt
            updatedAt = record.updatedAt
            pauseUntil = record.pauseUntil
            targets = record.targets
            rollbackPlan = record.rollbackPlan.map(\.description)
            rollbackDone = record.rollbackDone
            train = record.train
            adjustments = record.adjustments
            heldBefore = record.heldBefore
        }
    }

    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return encoder
    }

    /// One line per value, for server-sent events.
    public static var compactEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
