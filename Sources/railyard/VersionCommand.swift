import ArgumentParser
import Foundation
import RailyardAdapters

/// `railyard version`: what is running, for a bug report or an audit.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "The version, the commit it was built from, and the store schema version it writes.")

    /// Bumped with each release of Railyard.
    static let number = "0.5.0"

    @Option(help: "text for people, json for scripts.") var output: OutputFormat = .text

    struct Info: Codable { var version, commit: String; var storeSchema: Int }

    func run() throws {
        let info = Info(version: Self.number, commit: BuildInfo.commit, storeSchema: StoreFactory.schemaVersion)
        if output == .json { try printJSON(info); return }
        print("railyard \(info.version) (commit \(info.commit), store schema \(info.storeSchema))")
    }
}
