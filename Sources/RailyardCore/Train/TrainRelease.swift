import Foundation

/// A train's production release as stored: one rollout per service, started batch by batch in
/// dependency order, and, when one fails, the way back (the others aborted or reverted, newest
/// first, then the scripts). Every entry is stored before its rollout is created.
public struct TrainRelease: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable {
        case deploying
        /// A rollout failed: the train's services are going back to what ran before.
        case reverting
        case released
        case rolledBack = "rolled_back"
        /// A revert itself failed: a person must restore the service; nothing more is tried.
        case stuck
        public var isActive: Bool { self == .deploying || self == .reverting }
    }

    /// Why a rollout of the release exists: to ship the train's version, or to put back the one before.
    public enum Purpose: String, Codable, Sendable { case deploy, revert }

    public struct Entry: Codable, Sendable, Equatable {
        public var service: String
        public var version: String
        public var rolloutID: String
        public var purpose: Purpose
        /// `rolloutId` so that snake_case JSON (`rollout_id`) reads back into `rolloutID`.
        enum CodingKeys: String, CodingKey { case service, version, rolloutID = "rolloutId", purpose }
        public init(service: String, version: String, rolloutID: String, purpose: Purpose) {
            self.service = service
            self.version = version
            self.rolloutID = rolloutID
            self.purpose = purpose
        }
    }

    /// Services in deployment order; a batch's services may go in parallel, up to `parallel` at once.
    public var batches: [[String]]
    public var parallel: Int
    /// The release has pre-deployment scripts to run: its first rollout runs them before any other starts.
    public var scriptsFirst: Bool
    /// service → the version production ran before the release: what a revert puts back.
    public var previous: [String: String]
    /// The versions the train ships.
    public var versions: [String: String]
    /// What the train's plan does to each of its deploy rollouts (a revert runs railyard.yml's process as it is).
    public var adjustments: RolloutAdjustments?
    /// Every rollout of the release, in the order they were started.
    public var entries: [Entry]
    public var phase: Phase
    /// Why it is reverting, rolled back or stuck.
    public var reason: String?
    /// The rollback scripts of what the release applied have run (the last step of the way back).
    public var scriptsRolledBack: Bool
    public var startedAt: Date
    /// When a rollout of the release failed and the way back began.
    public var failedAt: Date?
    public var endedAt: Date?

    public init(batches: [[String]], parallel: Int, scriptsFirst: Bool, previous: [String: String], versions: [String: String],
                adjustments: RolloutAdjustments? = nil, at now: Date) {
        self.adjustments = adjustments.flatMap { $0.isNone ? nil : $0 }
        self.batches = batches
        self.parallel = max(1, parallel)
        self.scriptsFirst = scriptsFirst
        self.previous = previous
        self.versions = versions
        self.entries = []
        self.phase = .deploying
        self.reason = nil
        self.scriptsRolledBack = false
        self.startedAt = now
        self.endedAt = nil
    }

    public func entry(for service: String, _ purpose: Purpose) -> Entry? {
        entries.last { $0.service == service && $0.purpose == purpose }
    }
}
