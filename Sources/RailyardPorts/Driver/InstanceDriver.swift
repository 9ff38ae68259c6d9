import Foundation

/// What to launch: a command from `railyard.yml`, already split into arguments.
public struct LaunchSpec: Sendable, Equatable {
    public var arguments: [String]
    public var environment: [String: String]
    public var logPath: String
    /// Who owns the process (the state folder of the Railyard that started it) and which record it
    /// belongs to. The driver marks the process with both, so a restarted Railyard can find a process
    /// it started even when it was killed before it could store the pid.
    public var owner: String?
    public var label: String?
    public init(arguments: [String], environment: [String: String] = [:], logPath: String, owner: String? = nil, label: String? = nil) {
        self.arguments = arguments
        self.environment = environment
        self.logPath = logPath
        self.owner = owner
        self.label = label
    }
}

/// A live process found carrying an owner's mark, with the label it was launched with.
public struct OwnedProcess: Sendable, Equatable {
    public var process: LaunchedProcess
    public var label: String
    public init(process: LaunchedProcess, label: String) {
        self.process = process
        self.label = label
    }
}

/// A process that runs on its own, detached from Railyard.
public struct LaunchedProcess: Sendable, Equatable {
    public var pid: Int32
    /// Kernel start time of the process: with the pid, it names this process and no later one.
    public var startTime: String?
    public init(pid: Int32, startTime: String?) {
        self.pid = pid
        self.startTime = startTime
    }
}

/// Why an instance did not come up, with the last lines it logged.
public struct InstanceStartError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var logTail: [String]
    public init(message: String, logTail: [String]) {
        self.message = message
        self.logTail = logTail
    }
    public var description: String {
        logTail.isEmpty ? message : message + "; last log lines:\n" + logTail.map { "    " + $0 }.joined(separator: "\n")
    }

    /// The process could not bind its port (EADDRINUSE, in the words every runtime prints): another process
    /// took the port between its choice and the bind, so the same start on another port may well succeed.
    public var portTaken: Bool { logTail.contains { $0.localizedCaseInsensitiveContains("address already in use") } }
}

/// The driver port: starts and stops processes that outlive Railyard. It never restarts anything by itself.
public protocol InstanceDriver: Sendable {
    func launch(_ spec: LaunchSpec) async throws -> LaunchedProcess
    /// Polls `url` until it answers 200, the process dies, or `timeout` passes.
    func waitHealthy(_ process: LaunchedProcess, url: String, timeout: Duration, logPath: String) async throws
    func isAlive(_ process: LaunchedProcess) -> Bool
    /// SIGTERM to the process group, then SIGKILL after `grace`.
    func stop(_ process: LaunchedProcess, grace: Duration) async
    /// Every live process launched with `owner`, whatever the store says of it: what a restart checks
    /// against the records, and what `down` stops.
    func processes(ownedBy owner: String) -> [OwnedProcess]
    /// A port an instance or router can be told to listen on.
    func allocatePort() throws -> Int
}
