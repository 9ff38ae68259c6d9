import ArgumentParser
import Foundation
import RailyardAPI
import RailyardCore

extension TrainKind: ExpressibleByArgument {}

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Release trains: one per sprint, its tickets and service versions, through its stages to production.",
        discussion: """
            A train moves planned → development → nightly → testing → perf → ready → production → done, one \
            stage at a time (a hotfix train may skip stages, each with its reason). Its tickets come from a \
            ticket tracker's export (CSV or JSON), mapped by `tickets: columns:` in railyard.yml.

            Example:
              railyard train create 2026.48 --captain carol --service payin=2026.48.1 --service wallet=2026.48.0
              railyard train import 2026.48 jira-export.csv
              railyard train show 2026.48
            """,
        subcommands: [TrainCreateCommand.self, TrainListCommand.self, TrainShowCommand.self, TrainImportCommand.self,
                      TrainAdvanceCommand.self, TrainCancelCommand.self]
    )
}

struct TrainCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a train (release-owner).")
    @Argument(help: "The train's id, e.g. 2026.48 (the sprint).") var id: String
    @Option(help: "The release captain, by the name their token carries.") var captain: String
    @Option(help: "SERVICE=VERSION the train carries; repeat for each service.") var service: [String] = []
    @Option(help: "regular, or hotfix (then --fixes names the train in production it fixes).") var kind: TrainKind = .regular
    @Option(help: "For a hotfix train: the train it fixes.") var fixes: String?
    @OptionGroup var options: ClientOptions

    func validate() throws {
        for pair in service where pair.split(separator: "=").count != 2 {
            throw ValidationError("--service '\(pair)' is not SERVICE=VERSION (e.g. payin=2026.48.1)")
        }
    }

    func run() async throws {
        let services = Dictionary(service.map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts[1])
        }, uniquingKeysWith: { _, last in last })
        let view = try await clientCall {
            try await options.client.createTrain(API.TrainRequest(id: id, captain: captain, services: services, kind: kind, fixes: fixes))
        }
        if options.output == .json { return try printJSON(view) }
        print(TrainText.render(view))
    }
}

struct TrainListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every train, newest first.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let trains = try await clientCall { try await options.client.trains() }
        if options.output == .json { return try printJSON(trains) }
        print(TextTable.render(header: ["TRAIN", "KIND", "STATE", "CAPTAIN", "SERVICES"], rows: trains.map { train in
            [train.id, train.kind.rawValue, train.state.rawValue, train.captain,
             train.services.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")]
        }))
    }
}

struct TrainShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "A train: its stage, services and tickets.")
    @Argument(help: "The train's id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let view = try await clientCall { try await options.client.train(id) }
        if options.output == .json { return try printJSON(view) }
        print(TrainText.render(view))
    }
}

struct TrainImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import tickets from a tracker's CSV or JSON export (release-owner or developer).",
        discussion: """
            The format comes from the file's extension (.csv or .json). Every row is checked; when one is bad, \
            nothing is imported and each problem is printed as FILE:LINE: error: FIELD: MESSAGE (exit 1). \
            --skip-invalid imports the good rows and prints the bad ones as warnings. A ticket already in the \
            train is replaced.
            """)
    @Argument(help: "The train's id.") var id: String
    @Argument(help: "The export, .csv or .json.") var file: String
    @Flag(help: "Import the good rows and report the bad ones, instead of importing nothing.") var skipInvalid = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        var standardError = StandardError()
        guard ["csv", "json"].contains(URL(fileURLWithPath: file).pathExtension.lowercased()) else {
            print("error: \(file): the file name must end in .csv or .json", to: &standardError)
            throw ExitStatus.refused
        }
        guard let data = FileManager.default.contents(atPath: file), let content = String(data: data, encoding: .utf8) else {
            print("error: \(file): cannot be read as UTF-8 text", to: &standardError)
            throw ExitStatus.refused
        }
        let result: API.TicketImportResult
        do {
            result = try await options.client.importTickets(train: id, fileName: URL(fileURLWithPath: file).lastPathComponent, content: content,
                                                           skipInvalid: skipInvalid)
        } catch let failure as RailyardClient.Failure where !failure.errors.isEmpty {
            for problem in failure.errors { print(problem.rendered(file: file), to: &standardError) }
            print("error: \(failure.message)", to: &standardError)
            throw ExitStatus.refused
        } catch {
            _ = try await clientCall { () async throws -> Void in throw error }
            return
        }
        if options.output == .json { return try printJSON(result) }
        for problem in result.skipped { print(problem.rendered(file: file).replacingOccurrences(of: ": error: ", with: ": warning: "), to: &standardError) }
        print("\(result.imported) tickets imported into train \(id)" + (result.skipped.isEmpty ? "" : "; \(Set(result.skipped.map(\.line)).count) bad rows skipped"))
    }
}

struct TrainAdvanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "advance", abstract: "Move a train to its next stage (release-owner).")
    @Argument(help: "The train's id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let train = try await clientCall { try await options.client.advanceTrain(id) }
        if options.output == .json { return try printJSON(train) }
        print("train \(train.id) is now \(train.state.rawValue)")
    }
}

struct TrainCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a train before production (release-owner).")
    @Argument(help: "The train's id.") var id: String
    @Option(help: "Why; recorded in the audit log.") var reason: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let train = try await clientCall { try await options.client.cancelTrain(id, reason: reason) }
        if options.output == .json { return try printJSON(train) }
        print("train \(train.id) cancelled: \(reason)")
    }
}

enum TrainText {
    static func render(_ view: API.TrainView) -> String {
        let train = view.train
        var lines = ["train \(train.id) (\(train.kind.rawValue)\(train.fixes.map { ", fixes \($0)" } ?? "")) — \(train.state.rawValue), captain \(train.captain)"]
        if !train.services.isEmpty {
            lines.append("  services: " + train.services.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        for skip in train.skipped { lines.append("  skipped \(skip.stage.rawValue) (\(skip.by)): \(skip.reason)") }
        if let reason = train.reason { lines.append("  reason: \(reason)") }
        lines.append("  tickets: \(view.tickets.count)")
        for ticket in view.tickets {
            let missing = ticket.answers.missing
            lines.append("    \(ticket.id.padding(toLength: 10, withPad: " ", startingAt: 0)) \(ticket.title) [\(ticket.services.joined(separator: ", "))] \(ticket.owner)"
                         + (missing.isEmpty ? "" : " — to review: \(missing.joined(separator: ", "))"))
        }
        return lines.joined(separator: "\n")
    }
}
