import ArgumentParser
import Foundation
import RailyardAPI

@main
struct RailyardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "railyard",
        abstract: "Release trains and progressive delivery for a payment platform.",
        discussion: """
            Railyard deploys each release through pre-deployment scripts → staging → canary → DC1 → DC2, \
            recording every step before it happens, and rolls back (traffic first) when a step fails \
            or someone aborts.

            Start here:
              railyard demo                   a whole train on the bundled payment fleet
              railyard validate               check railyard.yml: every problem, line:col
              railyard serve                  run the control plane (HTTP API)
              railyard up                     bring every service up at its stable version
              railyard deploy payin v2        roll out a version
              railyard rollout watch ID       follow it live
              railyard status                 what runs where, with weights and health
              railyard scrape URL             read /metrics as the canary analysis does
              railyard analysis show ID       an analysis: verdict, reason, looks, SVG
              railyard version                version, commit, store schema
              railyard train create 2026.48   a release train (`train import`: its tickets)
              railyard token create ...       API tokens: who may deploy, approve, abort
              railyard whoami                 the identity and role your token proves
              railyard audit verify           check the hash-chained audit log, offline

            Tokens: every call but health needs one. A `railyard serve` on 127.0.0.1
            writes a local admin token to STATE_DIR/admin.token (mode 0600), and the
            CLI on this machine uses it; otherwise set RAILYARD_TOKEN or --token-file.
            Deploying to production needs a release-owner token, approving an
            approver's, and the deployer cannot approve (four-eyes).

            Shell completion: railyard --generate-completion-script bash|zsh|fish

            Exit codes:
              0   success
              1   refused or failed; the reason is printed (a config error, a refusal)
              2   the rollout you waited on was rolled back
              3   the Railyard server cannot be reached (start `railyard serve`)
              4   not allowed: no token, a bad or expired one, or the wrong role
              64  bad usage
            """,
        subcommands: [
            DemoCommand.self, ValidateCommand.self, ServeCommand.self, UpCommand.self, DeployCommand.self, RolloutCommand.self,
            StatusCommand.self, HistoryCommand.self, AnalysisCommand.self, DownCommand.self, RouterCommand.self, PaymentsDemoCommand.self, PaymentsSuiteCommand.self,
            ScrapeCommand.self, TrainCommand.self, NightlyCommand.self, JUnitCommand.self, TimetableCommand.self, MetricsCommand.self, TokenCommand.self, WhoAmICommand.self, AuditCommand.self, VersionCommand.self,
        ]
    )
}

enum ExitStatus {
    static let refused = ExitCode(1)
    static let rolledBack = ExitCode(2)
    static let unreachable = ExitCode(3)
    static let notAllowed = ExitCode(4)
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json
}

struct ClientOptions: ParsableArguments {
    @Option(help: "URL of the Railyard server (or set RAILYARD_SERVER).")
    var server: String = ProcessInfo.processInfo.environment["RAILYARD_SERVER"] ?? "http://127.0.0.1:7480"

    @Option(help: "text for people, json for scripts.")
    var output: OutputFormat = .text

    @Option(help: "Seconds to wait for the server to accept the connection (a refused one fails at once).")
    var connectTimeout: Double = 2

    @Option(help: "File holding your API token, mode 0600 (or set RAILYARD_TOKEN, or RAILYARD_TOKEN_FILE).")
    var tokenFile: String?

    /// A client with the token `Credentials` finds; a token file others can read is refused.
    var client: RailyardClient {
        get throws {
            RailyardClient(baseURL: server, token: try Credentials.token(server: server, tokenFile: tokenFile, stateDirectory: Defaults.stateDirectory),
                           connectTimeout: .milliseconds(Int(max(connectTimeout, 0.05) * 1000)))
        }
    }
}

/// Defaults shared by the commands that work on local state.
enum Defaults {
    static var configPath: String { ProcessInfo.processInfo.environment["RAILYARD_CONFIG"] ?? "railyard.yml" }
    static var stateDirectory: String { ProcessInfo.processInfo.environment["RAILYARD_STATE_DIR"] ?? ".railyard" }

    /// This executable, to start routers (`railyard router`) as their own processes.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
