import Foundation

/// A pre-deployment script as it was applied: its checksum proves the file has not changed since.
public struct ScriptRecord: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case applying, applied, rolledBack = "rolled_back", failed }
    public var name: String
    public var checksum: String
    public var state: State
    public var rolloutID: String
    public var at: Date
    public init(name: String, checksum: String, state: State, rolloutID: String, at: Date) {
        self.name = name; self.checksum = checksum; self.state = state; self.rolloutID = rolloutID; self.at = at
    }
}
