import AsyncHTTPClient
import RailyardPorts

/// Built-in routers: each is `railyard router` started as its own process, reached on its admin API.
public struct BuiltInRouterProvider: RouterProvider {
    /// The command that runs a router process (`railyard router`), before its own options.
    let command: [String]
    let httpClient: HTTPClient

    public init(command: [String], httpClient: HTTPClient = .shared) {
        self.command = command
        self.httpClient = httpClient
    }

    public func launchSpec(target: String, port: Int, adminPort: Int, stateFile: String, logPath: String) -> LaunchSpec {
        LaunchSpec(arguments: command + ["--name", target, "--port", String(port), "--admin-port", String(adminPort), "--state-file", stateFile],
                   logPath: logPath)
    }

    public func connect(_ record: RouterRecord) -> any TrafficRouter {
        BuiltInRouter(adminURL: record.adminURL, httpClient: httpClient)
    }
}
