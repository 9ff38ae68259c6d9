/// Why a notification was not delivered. Each case names the URL posted to.
public enum NotifierError: Error, CustomStringConvertible, Equatable {
    /// No HTTP answer: connection refused, timeout…
    case unreachable(url: String, reason: String)
    /// The receiver answered a non-2xx status; `body` is the start of what it said.
    case rejected(url: String, status: Int, body: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason):
            "notifier could not reach \(url): \(reason)"
        case .rejected(let url, let status, let body):
            "notifier POST \(url) answered \(status)" + (body.isEmpty ? "" : ": \(body)")
        }
    }
}
