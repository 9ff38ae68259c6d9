/// A pre-deployment script and the script that undoes it. Paths are relative to `railyard.yml`.
public struct ScriptSpec: Sendable, Equatable {
    public var name: String
    public var apply: String
    public var rollback: String
    public var timeout: Duration
    public init(name: String, apply: String, rollback: String, timeout: Duration = .seconds(300)) {
        self.name = name
        self.apply = apply
        self.rollback = rollback
        self.timeout = timeout
    }
}
