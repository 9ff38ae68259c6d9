import Foundation

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
