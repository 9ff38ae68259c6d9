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
            """
    )

    @Option(help: "The config file.") var config: String = Defaults.configPath
    @Option(help: "Folder for the store, logs and router state.") var stateDir: String = Defaults.stateDirectory
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = 7480

    func run() async throws {
        do {
            try await RailyardServer.run(.init(configPath: config, stateDirectory: stateDir, host: host, port: port,
                                               routerCommand: [Defaults.executablePath, "router"])) { url in
                print("railyard serving on \(url) (config \(config), state \(stateDir))")
            }
        } catch let errors as ConfigErrors {
            for diagnostic in errors.diagnostics { print(diagnostic) }
            throw ExitStatus.refused
        }
    }
}
