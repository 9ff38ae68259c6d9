import Foundation

/// One alert as Railyard raises it: from an alert rule on live metrics, or from a rollback carrying its verdict.
public struct Alert: Codable, Sendable, Equatable {
    /// The rule's name, e.g. `CanaryRolledBack` (Alertmanager's `alertname`).
    public var name: String
    /// e.g. `critical`, `warning`, `info`.
    public var severity: String
    /// One line for a human: "payin 2026.48 rolled back in production".
    public var summary: String
    /// Why, in words and numbers: the verdict's reason or the rule's expression and value.
    public var reason: String
    /// Identifying labels (`service`, `environment`, `train`…); with `name` they identify the alert.
    public var labels: [String: String]
    public var startsAt: Date
    /// When it stopped firing; nil while it fires.
    public var endsAt: Date?
    /// Stable across firings of the same alert (same name and labels), for deduplication.
    public var fingerprint: String

    /// - Parameter fingerprint: defaults to `Alert.fingerprint(name:labels:)`.
    public init(
        name: String,
        severity: String,
        summary: String,
        reason: String,
        labels: [String: String] = [:],
        startsAt: Date,
        endsAt: Date? = nil,
        fingerprint: String? = nil
    ) {
        self.name = name
        self.severity = severity
        self.summary = summary
        self.reason = reason
        self.labels = labels
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.fingerprint = fingerprint ?? Self.fingerprint(name: name, labels: labels)
    }

    /// 16 hex digits of FNV-1a 64 over the name and the labels sorted by key: the same on every run and machine
    /// (unlike `Hasher`), and independent of the order the labels were written in.
    public static func fingerprint(name: String, labels: [String: String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
            // A separator byte that never occurs in UTF-8, so ("ab","c") and ("a","bc") differ.
            hash ^= 0xff
            hash &*= 0x0000_0100_0000_01b3
        }
        mix(name)
        for key in labels.keys.sorted() {
            mix(key)
            mix(labels[key] ?? "")
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Where an alert is in its life: it fires until its condition clears, then it is resolved (once).
public enum AlertState: String, Codable, Sendable {
    case firing
    case resolved
}
