import AsyncHTTPClient
import RailyardCore
import RailyardPorts

/// Builds the router provider for the `router:` kind of railyard.yml, like Flagger's router factory.
public enum RouterFactory {
    /// - Parameter routerCommand: how to run a built-in router process (`railyard router`).
    public static func provider(kind: RouterKind, routerCommand: [String], httpClient: HTTPClient = .shared) -> any RouterProvider {
        switch kind {
        case .builtin: BuiltInRouterProvider(command: routerCommand, httpClient: httpClient)
        }
    }
}
