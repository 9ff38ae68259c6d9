import ArgumentParser
import Foundation
import RailyardCore
import RailyardServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the control plane: the HTTP API, the rollout controller and its reconciler.",
        discussion: """
            On start it reconciles the store with what really runs (processes, routers' weights) and \
            resumes or rolls back every rollout in flight. Killing it never stops traffic: instances \
            and routers are separate processes.

            Tokens: every API call but health needs one. On 127.0.0.1 the server writes a local admin \
            token to STATE_DIR/admin.token (mode 0600), which the CLI on this machine uses by itself. \
            Elsewhere, start once with --init-admin (prints the first admin token, on an empty store) \
            or --admin-token-file, then create people's tokens with `railyard token create`.

            Any address other than loopback needs TLS (--tls-cert and --tls-key, PEM files), or \
            --insecure-http when a proxy in front terminates TLS.
            """
    )

    @Option(help: "The config file.") var config: String = Defaults.configPath
    @Option(help: "Folder for the store, logs and router state.") var stateDir: String = Defaults.stateDirectory
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = 7480
    @Flag(help: "On an empty store, create the first admin token and print it once.") var initAdmin = false
    @Option(help: "A file (mode 0600) holding an admin token to accept, from a secrets manager say.") var adminTokenFile: String?
    @Option(help: "TLS certificate chain, PEM.") var tlsCert: String?
    @Option(help: "TLS private key, PEM.") var tlsKey: String?
    @Flag(help: "Allow plain HTTP on an address other than loopback (tokens then cross the network in clear).") var insecureHTTP = false
    @Flag(help: ArgumentHelp("Run on a clock an admin moves forward (POST /api/v1/clock/advance): for demos and rehearsals only.", visibility: .hidden))
    var simulatedClock = false

    func run() async throws {
        var options = RailyardServer.Options(configPath: config, stateDirectory: stateDir, host: host, port: port,
                                             routerCommand: [Defaults.executablePath, "router"])
        options.initAdmin = initAdmin
        options.adminTokenFile = adminTokenFile
        options.tlsCertificate = tlsCert
        options.tlsKey = tlsKey
        options.insecureHTTP = insecureHTTP
        options.simulatedClock = simulatedClock
        let loopback = options.isLoopback
        do {
            try await RailyardServer.run(options, onAdminToken: { token in
                print("first admin token (shown once; keep it in RAILYARD_TOKEN or a 0600 file):\n\(token)")
            }) { url in
                print("railyard serving on \(url) (config \(config), state \(stateDir))")
                if loopback { print("local admin token in \(stateDir)/admin.token; the CLI on this machine uses it") }
            }
        } catch let errors as ConfigErrors {
            for diagnostic in errors.diagnostics { print(diagnostic) }
            throw ExitStatus.refused
        } catch let refusal as RailyardServer.StartRefusal {
            var standardError = StandardError()
            print("error: \(refusal)", to: &standardError)
            throw ExitStatus.refused
        }
    }
}
