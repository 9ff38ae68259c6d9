/// What a train's release does next, from its stored state and the phases of its rollouts. Pure:
/// the train controller performs the action, storing any change first.
import Foundation

public enum TrainReleaseMachine {
    /// A rollout of the release as the store has it now.
    public struct RolloutStatus: Sendable, Equatable {
        public var phase: RolloutPhase
        public var reason: String?
        /// Past the waves that run pre-deployment scripts.
        public var scriptsDone: Bool
        /// The target it is held before, waiting for the release to let it go on.
        public var heldBefore: String?
        public init(phase: RolloutPhase, reason: String? = nil, scriptsDone: Bool = true, heldBefore: String? = nil) {
            self.phase = phase
            self.reason = reason
            self.scriptsDone = scriptsDone
            self.heldBefore = heldBefore
        }
        /// Moving through its waves: active and not held.
        var isMoving: Bool { phase.isActive && heldBefore == nil }
    }

    public enum Action: Sendable, Equatable {
        /// Store an entry for a new rollout of `version` of `service`, then create it.
        case start(service: String, version: String, purpose: TrainRelease.Purpose)
        /// Store that the release reverts, with the reason, before anything goes back.
        case fail(reason: String)
        /// Abort a rollout still in flight: the release is going back.
        case abort(rolloutID: String, reason: String)
        /// A revert waits at an approval step: going back to what ran before needs no second person.
        case approveRevert(rolloutID: String)
        /// Every service of the batch has reached the hold (dc2 waits for dc1): let these go on.
        case releaseHolds(rolloutIDs: [String])
        /// Run the rollback scripts of what the release's rollouts applied, newest first.
        case rollbackScripts
        /// Nothing to do until one of the rollouts changes.
        case waitForRollouts
        /// A change freeze is in force: start nothing before it ends.
        case waitForFreeze(until: Date, reason: String)
        /// The release ended: released, rolled back or stuck, with the reason.
        case finish(TrainRelease.Phase, reason: String?)
        /// The release has already ended.
        case none
    }

    /// - Parameters:
    ///   - statuses: rollout id → status; an entry whose rollout is not stored yet counts as running.
    ///   - freeze: the change freeze in force, unless an approver let this (hotfix) train through it.
    public static func nextAction(_ release: TrainRelease, statuses: [String: RolloutStatus], freeze: Timetable.Freeze? = nil) -> Action {
        func status(_ entry: TrainRelease.Entry) -> RolloutStatus { statuses[entry.rolloutID] ?? RolloutStatus(phase: .running, scriptsDone: false) }
        let deploys = release.entries.filter { $0.purpose == .deploy }
        switch release.phase {
        case .released, .rolledBack, .stuck:
            return .none
        case .deploying:
            // Production waits for a freeze to end before its first rollout starts.
            if let freeze, release.entries.isEmpty {
                return .waitForFreeze(until: freeze.until, reason: "production frozen (\(freeze.name)) until \(freeze.until.formatted(.iso8601))")
            }
            if let failed = deploys.first(where: { status($0).phase == .rolledBack }) {
                return .fail(reason: "\(failed.service) \(failed.version) rolled back (\(failed.rolloutID)): \(status(failed).reason ?? "no reason recorded")")
            }
            // Scripts run first: the first rollout runs them alone, the others start once it is past them.
            if release.scriptsFirst, let first = deploys.first, !status(first).scriptsDone { return .waitForRollouts }
            for batch in release.batches {
                let started = deploys.filter { batch.contains($0.service) }
                let notStarted = batch.filter { service in !started.contains { $0.service == service } }
                if notStarted.isEmpty, started.allSatisfy({ status($0).phase == .promoted }) { continue }
                // A held rollout waits for the batch and does not count against `parallel`.
                let inFlight = started.filter { status($0).isMoving }.count
                if let service = notStarted.first, inFlight < release.parallel, let version = release.versions[service] {
                    return .start(service: service, version: version, purpose: .deploy)
                }
                // Once no service of the batch is still before its hold, the held ones go on, `parallel` at a time.
                let held = started.filter { status($0).heldBefore != nil }
                if notStarted.isEmpty, inFlight == 0, !held.isEmpty {
                    return .releaseHolds(rolloutIDs: held.prefix(release.parallel).map(\.rolloutID))
                }
                return .waitForRollouts
            }
            return .finish(.released, reason: nil)
        case .reverting:
            let reason = release.reason ?? "the release failed"
            // In-flight rollouts of the train roll themselves back (traffic, instances, scripts).
            if let running = deploys.first(where: { [.running, .paused, .awaitingApproval].contains(status($0).phase) }) {
                return .abort(rolloutID: running.rolloutID, reason: "train release reverting: \(reason)")
            }
            if deploys.contains(where: { status($0).phase == .rollingBack || status($0).phase == .finishing }) { return .waitForRollouts }
            let reverts = release.entries.filter { $0.purpose == .revert }
            if let waiting = reverts.first(where: { status($0).phase == .awaitingApproval }) { return .approveRevert(rolloutID: waiting.rolloutID) }
            if reverts.contains(where: { status($0).phase.isActive }) { return .waitForRollouts }
            if let failed = reverts.first(where: { status($0).phase == .rolledBack }) {
                return .finish(.stuck, reason: "the revert of \(failed.service) to \(failed.version) failed (\(failed.rolloutID)): "
                               + "\(status(failed).reason ?? "no reason recorded"); a person must restore it. The release failed because: \(reason)")
            }
            // Newest first: the services that went out last go back first.
            for entry in deploys.reversed() where status(entry).phase == .promoted && release.entry(for: entry.service, .revert) == nil {
                guard let previous = release.previous[entry.service] else { continue }
                return .start(service: entry.service, version: previous, purpose: .revert)
            }
            if !release.scriptsRolledBack { return .rollbackScripts }
            return .finish(.rolledBack, reason: reason)
        }
    }
}
