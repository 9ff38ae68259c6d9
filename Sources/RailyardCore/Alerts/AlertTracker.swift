import Foundation

/// The life of one rule's alert: inactive → pending (condition holds) → firing (held for the rule's
/// duration) → resolved (no longer holds). Pure: the evaluator feeds it values and the time, and
/// sends a notification only when it reports a change, so an alert is announced once (deduplicated).
public struct AlertTracker: Sendable, Equatable {
    public enum State: String, Sendable, Codable { case inactive, pending, firing }
    public enum Change: Sendable, Equatable {
        case fired(value: Double, since: Date)
        case resolved(value: Double?)
    }

    public let rule: AlertRule
    public private(set) var state: State = .inactive
    public private(set) var since: Date?

    public init(rule: AlertRule) { self.rule = rule }

    /// `value` nil means nothing to measure (no traffic): the condition does not hold.
    public mutating func observe(_ value: Double?, at now: Date) -> Change? {
        let holding = value.map(rule.holds) ?? false
        switch (state, holding) {
        case (.inactive, true):
            state = .pending
            since = now
            return firedIfDue(value!, now)
        case (.pending, true):
            return firedIfDue(value!, now)
        case (.pending, false):
            state = .inactive
            since = nil
            return nil
        case (.firing, false):
            state = .inactive
            since = nil
            return .resolved(value: value)
        case (.firing, true), (.inactive, false):
            return nil
        }
    }

    mutating func firedIfDue(_ value: Double, _ now: Date) -> Change? {
        guard let since, now.timeIntervalSince(since) >= rule.holdFor.timeInterval else { return nil }
        state = .firing
        return .fired(value: value, since: since)
    }
}
