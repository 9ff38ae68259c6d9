import ArgumentParser
import Foundation
import RailyardAdapters
import RailyardCore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check railyard.yml and print every problem as FILE:LINE:COL: error: MESSAGE.",
        discussion: "Exits 0 with a one-line summary when the file is valid, 1 otherwise. Nothing is changed either way."
    )

    @Option(name: .long, help: "The config file.")
    var config: String = Defaults.configPath

    func run() throws {
        do {
            let loaded = try ConfigFile.load(path: config)
            let steps = loaded.deployment.waves.reduce(0) { $0 + $1.steps.count }
            print("\(config): ok — \(loaded.services.count) services, \(loaded.targets.count) targets (\(loaded.targets.map(\.name).joined(separator: ", "))), "
                  + "\(loaded.scripts.count) scripts, \(loaded.deployment.waves.count) waves of \(steps) steps")
        } catch let errors as ConfigErrors {
            for diagnostic in errors.diagnostics { print(diagnostic) }
            print("\(errors.diagnostics.count) error\(errors.diagnostics.count == 1 ? "" : "s")")
            throw ExitStatus.refused
        }
    }
}
