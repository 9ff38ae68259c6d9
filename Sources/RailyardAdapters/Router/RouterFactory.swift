import AsyncHTTPClient

/// Builds the `TrafficRouter` adapter for a router kind, like Flagger's router factory.
public enum RouterFactory {
    public static func make(kind: RouterKind, adminURL: String, httpClient: HTTPClient) -> any TrafficRouter {
        switch kind {
        case .builtin:
            return BuiltInRouter(adminURL: adminURL, httpClient: httpClient)
        }
    }
}
