import Foundation

/// The train's state machine, pure: each event either gives the next record or is refused with the
/// reason in words. Gates (validation, risk review, soak, approvals) are checked by the controller
/// before it asks for `advanced`; this machine only keeps the order.
public struct TrainMachine: Sendable {
    public init() {}

    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public func apply(_ event: TrainEvent, to record: TrainRecord, at now: Date) throws(Refusal) -> TrainRecord {
        var next = record
        next.updatedAt = now
        guard !record.state.isFinal else {
            throw Refusal("train \(record.id) is \(record.state.rawValue): it cannot be \(event.name)")
        }
        switch event {
        case .advanced:
            guard let stage = record.state.next else { throw Refusal("train \(record.id) has no stage after \(record.state.rawValue)") }
            guard record.state != .production else {
                throw Refusal("train \(record.id) leaves production only when its release ends, not by hand")
            }
            next.state = stage
        case .skipped(let stage, let by, let reason):
            guard record.kind == .hotfix else {
                throw Refusal("train \(record.id) is a regular train: it moves one stage at a time (\(record.state.next?.rawValue ?? "none") is next)")
            }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw Refusal("skipping stages needs a reason") }
            guard let from = TrainState.order.firstIndex(of: record.state), let to = TrainState.order.firstIndex(of: stage), to > from + 1,
                  stage != .done else {
                throw Refusal("train \(record.id) cannot skip from \(record.state.rawValue) to \(stage.rawValue): skip forward past at least one stage, up to production")
            }
            next.skipped += TrainState.order[(from + 1)..<to].map { TrainRecord.Skip(stage: $0, reason: reason, by: by) }
            next.state = stage
        case .cancelled(_, let reason):
            guard record.state != .production else {
                throw Refusal("train \(record.id) is in production: abort its rollouts instead, and it rolls back")
            }
            next.state = .cancelled
            next.reason = reason
        case .released:
            guard record.state == .production else {
                throw Refusal("train \(record.id) is \(record.state.rawValue), not in production")
            }
            next.state = .done
            next.productionAt = now
        case .rolledBack(let reason):
            guard record.state == .production else {
                throw Refusal("train \(record.id) is \(record.state.rawValue), not in production")
            }
            next.state = .rolledBack
            next.reason = reason
        }
        if next.state != record.state { next.stages.append(StageEntry(state: next.state, at: now)) }
        return next
    }
}
