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

    public struct ErrorBody: Codable, Sendable {
        public var error: String
        public init(error: String) { self.error = error }
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
            step = wave.steps[min(record.cursor.step, wave.steps.count - 1)].description
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
