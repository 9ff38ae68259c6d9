import Foundation

/// One process Railyard started for a service version; it outlives the server that started it.
public struct InstanceRecord: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case starting, running, stopped, failed }
    /// `baseline` instances run the stable version beside a canary, for analysis only.
    public enum Role: String, Codable, Sendable { case serving, baseline }
    public var id: String
    public var service: String
    public var version: String
    public var target: String
    public var port: Int
    public var pid: Int32?
    /// Start time of the process from /proc, so a recycled pid is never mistaken for ours.
    public var pidStart: String?
    public var logPath: String
    public var state: State
    public var rolloutID: String?
    public var startedAt: Date
    public var role: Role

    public init(id: String, service: String, version: String, target: String, port: Int, pid: Int32? = nil, pidStart: String? = nil,
                logPath: String, state: State, rolloutID: String? = nil, startedAt: Date, role: Role = .serving) {
        self.id = id; self.service = service; self.version = version; self.target = target; self.port = port
        self.pid = pid; self.pidStart = pidStart; self.logPath = logPath; self.state = state; self.rolloutID = rolloutID
        self.startedAt = startedAt; self.role = role
    }

    public var address: String { "127.0.0.1:\(port)" }
}

/// The router process of one target.
public struct RouterRecord: Codable, Sendable, Equatable {
    public var target: String
    public var port: Int
    public var adminPort: Int
    public var pid: Int32?
    public var pidStart: String?
    public var logPath: String
    public var stateFile: String
    public var running: Bool

    public init(target: String, port: Int, adminPort: Int, pid: Int32? = nil, pidStart: String? = nil, logPath: String,
                stateFile: String, running: Bool) {
        self.target = target; self.port = port; self.adminPort = adminPort; self.pid = pid; self.pidStart = pidStart
        self.logPath = logPath; self.stateFile = stateFile; self.running = running
    }

    public var adminURL: String { "http://127.0.0.1:\(adminPort)" }
    public var trafficURL: String { "http://127.0.0.1:\(port)" }
}

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
