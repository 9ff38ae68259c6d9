/// A write the store refuses because the record changed since the writer read it: another writer (a person's
/// approval, the late watch's rollback, a train) stored it first. Nothing was written; the writer reads the
/// record again and decides again, so neither change is lost.
public struct StaleWrite: Error, Sendable, CustomStringConvertible {
    /// What changed, e.g. "rollout payin-v2-aa4c".
    public let subject: String
    public init(subject: String) { self.subject = subject }
    public var description: String { "\(subject) changed since it was read (another change was stored first): nothing was written; read it again and retry" }
}
