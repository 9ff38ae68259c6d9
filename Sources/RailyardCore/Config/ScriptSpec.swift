/// A pre-deployment script and the script that undoes it, or none when it is expand-only. Paths are
/// relative to `railyard.yml`.
public struct ScriptSpec: Sendable, Equatable {
    public var name: String
    public var apply: String
    /// The script that undoes it; nil for an expand-only script.
    public var rollback: String?
    public var timeout: Duration
    public init(name: String, apply: String, rollback: String?, timeout: Duration = .seconds(300)) {
        self.name = name
        self.apply = apply
        self.rollback = rollback
        self.timeout = timeout
    }

    /// It only adds (a column, a table, an index) that the version before ignores: a rollback leaves it
    /// in place, and there is nothing to run.
    public var isExpandOnly: Bool { rollback == nil }

    /// Why a rollback does not run anything for an expand-only script, as the audit log says it.
    public static let expandOnlyReason = "expand-only: it only adds what the version before ignores, so it stays in place"
}
