import Foundation

/// Why talking to, or starting, a router failed. Every case names the router and carries the
/// reason in words, so the message can go straight into a rollout's log or an alert.
public enum RouterError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The admin API answered with an error status; `reason` is its own explanation.
    case rejected(router: String, url: String, status: Int, reason: String)
    /// The admin API could not be reached.
    case unreachable(router: String, url: String, reason: String)
    /// The admin API answered something that is not what the protocol promises.
    case invalidAnswer(router: String, url: String, reason: String)
    /// The state file could not be read or written.
    case stateFile(path: String, reason: String)
    /// The router process stopped before both of its listeners were up.
    case notStarted(router: String, reason: String)

    public var description: String {
        switch self {
        case .rejected(let router, let url, let status, let reason):
            return "router \(router) (\(url)) refused the change with HTTP \(status): \(reason)"
        case .unreachable(let router, let url, let reason):
            return "router \(router) is unreachable at \(url): \(reason)"
        case .invalidAnswer(let router, let url, let reason):
            return "router \(router) (\(url)) gave an unexpected answer: \(reason)"
        case .stateFile(let path, let reason):
            return "router state file \(path): \(reason)"
        case .notStarted(let router, let reason):
            return "router \(router) did not start: \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
