import ArgumentParser
import Foundation
import RailyardAPI
import RailyardAdapters
import RailyardCore

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check railyard.yml and print every problem as FILE:LINE:COL: error: MESSAGE.",
        discussion: """
            Exits 0 with a one-line summary when the file is valid, 1 otherwise. \
            Nothing is changed either way.

            With --traffic, a valid file's analysis steps are also checked against today's traffic: the running \
            server's routers are read twice, --traffic-window seconds apart, and every step whose max_duration \
            (and max_extension) cannot be enough for a good version to earn its pass at that traffic is named, \
            for each service (as `railyard analysis plan` predicts). A warning, not an error: the exit stays 0, \
            unless the server could not be read (exit 1, with the reason). Each service's latency buckets, as \
            its stable version fills them today, are checked against the steps' latency metrics too: a metric \
            that could never pass on them (every request in one bucket, a tolerance finer than the buckets \
            around the usual latency, a quantile above the last finite bucket) is an error (exit 1).
            """)

    @Option(name: .long, help: "The config file.")
    var config: String = Defaults.configPath

    @Flag(help: "Also check each analysis step against today's traffic, read from the running server.")
    var traffic = false

    @Option(help: "Seconds between the two readings of the routers' counters, with --traffic.")
    var trafficWindow: Double = 10

    @Option(help: "URL of the Railyard server read with --traffic (or set RAILYARD_SERVER).")
    var server: String = ProcessInfo.processInfo.environment["RAILYARD_SERVER"] ?? "http://127.0.0.1:7480"

    @Option(help: "File holding your API token, with --traffic (or set RAILYARD_TOKEN, or RAILYARD_TOKEN_FILE).")
    var tokenFile: String?

    func validate() throws {
        guard trafficWindow > 0 else { throw ValidationError("--traffic-window must be a number of seconds above 0") }
    }

    func run() async throws {
        let loaded: RailyardConfig
        do {
            loaded = try ConfigFile.load(path: config)
            let steps = loaded.deployment.waves.reduce(0) { $0 + $1.steps.count }
            print("\(config): ok — \(loaded.services.count) services, \(loaded.targets.count) targets (\(loaded.targets.map(\.name).joined(separator: ", "))), "
                  + "\(loaded.scripts.count) scripts, \(loaded.deployment.waves.count) waves of \(steps) steps")
        } catch let errors as ConfigErrors {
            for diagnostic in errors.diagnostics { print(diagnostic) }
            print("\(errors.diagnostics.count) error\(errors.diagnostics.count == 1 ? "" : "s")")
            throw ExitStatus.refused
        }
        guard traffic else { return }
        let client = RailyardClient(baseURL: server, token: try Credentials.token(server: server, tokenFile: tokenFile, stateDirectory: Defaults.stateDirectory))
        let check = TrafficCheck(services: loaded.services.map(\.name), config: config, window: trafficWindow)
        let report = await check.run(client, loaded: loaded)
        for line in report.lines { print(line) }
        let layout = await check.layout(client, loaded: loaded)
        for line in layout.lines { print(line) }
        if layout.errors > 0 {
            print("\(layout.errors) error\(layout.errors == 1 ? "" : "s") against today's traffic: a latency metric that could never pass on these buckets")
            throw ExitStatus.refused
        }
        // Asked for and not done: the file is valid, the check is not.
        if !report.measured { throw ExitStatus.refused }
    }
}
