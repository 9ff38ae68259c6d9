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
