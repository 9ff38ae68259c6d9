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
              railyard train answer 2026.48 PAY-1234 --scripts yes --rollbackable no --backward-compatible yes --scope narrow
              railyard train review 2026.48 --sign
              railyard train plan 2026.48
              railyard train validate 2026.48 PAY-1234 --env testing --comment "fee checked"
              railyard train gates 2026.48
              railyard train advance 2026.48
              railyard train show 2026.48
            """,
        subcommands: [TrainCreateCommand.self, TrainListCommand.self, TrainShowCommand.self, TrainImportCommand.self,
                      TrainAnswerCommand.self, TrainReviewCommand.self, TrainPlanCommand.self, TrainGatesCommand.self, TrainValidateCommand.self,
                      TrainSoakCommand.self, TrainApprovalsCommand.self, TrainApproveCommand.self, TrainOverrideCommand.self, TrainRecordCommand.self, TrainSetCommand.self, TrainTicketCommand.self,
                      TrainAdvanceCommand.self, TrainSkipCommand.self, TrainCancelCommand.self]
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

    func validate() throws { _ = try ServiceVersions.parse(service) }

    func run() async throws {
        let services = try ServiceVersions.parse(service)
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

/// yes or no on the command line.
enum Answer: String, ExpressibleByArgument, CaseIterable {
    case yes, no
    var bool: Bool { self == .yes }
}

extension RiskAnswers.Scope: ExpressibleByArgument {}

struct TrainAnswerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer", abstract: "Answer the review's four questions for one ticket (release-owner); what is left out keeps its answer.")
    @Argument(help: "The train's id.") var id: String
    @Argument(help: "The ticket, e.g. PAY-1234.") var ticket: String
    @Option(help: "Scripts? Does it need pre-deployment scripts (yes or no).") var scripts: Answer?
    @Option(help: "Rollbackable? Can it be undone by redeploying the previous version (yes or no).") var rollbackable: Answer?
    @Option(help: "Backward-compatible? Does it work with the other services as they run today (yes or no).") var backwardCompatible: Answer?
    @Option(help: "Scope: narrow or wide.") var scope: RiskAnswers.Scope?
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if scripts == nil, rollbackable == nil, backwardCompatible == nil, scope == nil {
            throw ValidationError("give at least one of --scripts, --rollbackable, --backward-compatible, --scope")
        }
    }

    func run() async throws {
        let answers = RiskAnswers(scripts: scripts?.bool, rollbackable: rollbackable?.bool, backwardCompatible: backwardCompatible?.bool, scope: scope)
        let updated = try await clientCall { try await options.client.answer(train: id, ticket: ticket, answers: answers) }
        if options.output == .json { return try printJSON(updated) }
        let missing = updated.answers.missing
        print("\(updated.id): \(TrainText.answers(updated.answers))" + (missing.isEmpty ? "" : " — still to answer: \(missing.joined(separator: ", "))"))
    }
}

struct TrainPlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "The deployment the review's answers call for, each rule with its reason, before anything runs.")
    @Argument(help: "The train's id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let plan = try await clientCall { try await options.client.trainPlan(id) }
        if options.output == .json { return try printJSON(plan) }
        print(TrainText.render(plan))
    }
}

struct TrainAdvanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advance", abstract: "Move a train to its next stage (release-owner).",
        discussion: """
            From ready, the train enters production and its release starts: one rollout per service, \
            providers before consumers when a ticket is not backward-compatible (depends_on in railyard.yml), \
            up to trains.parallel at once. If one fails, the services already out go back, newest first, \
            then the rollback scripts run.
            """)
    @Argument(help: "The train's id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let train = try await clientCall { try await options.client.advanceTrain(id) }
        if options.output == .json { return try printJSON(train) }
        print("train \(train.id) is now \(train.state.rawValue)")
        if let release = train.release {
            print("release started: " + release.batches.map { $0.map { "\($0) \(release.versions[$0] ?? "?")" }.joined(separator: " + ") }
                .joined(separator: " → ") + "; follow it with `railyard train show \(train.id)`")
        }
    }
}

extension TrainState: ExpressibleByArgument {}

struct TrainSkipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skip", abstract: "A hotfix train skips ahead to a stage; each stage skipped is recorded with the reason.",
        discussion: """
            Release-owner or approver. Skipping validation (past testing) needs an approver who did not create \
            the hotfix (four eyes). Regular trains cannot skip.
            """)
    @Argument(help: "The hotfix train's id.") var id: String
    @Option(help: "The stage to go to, e.g. production.") var to: TrainState
    @Option(help: "Why; recorded with each stage skipped.") var reason: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let train = try await clientCall { try await options.client.skipTrain(id, to: to, reason: reason) }
        if options.output == .json { return try printJSON(train) }
        print("train \(train.id) is now \(train.state.rawValue); skipped " + train.skipped.map(\.stage.rawValue).joined(separator: ", "))
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
    static func answers(_ answers: RiskAnswers) -> String {
        func text(_ value: Bool?) -> String { value.map { $0 ? "yes" : "no" } ?? "?" }
        return "scripts \(text(answers.scripts)), rollbackable \(text(answers.rollbackable)), "
            + "backward-compatible \(text(answers.backwardCompatible)), scope \(answers.scope?.rawValue ?? "?")"
    }

    static func render(_ plan: TrainPlan) -> String {
        var lines = ["plan of train \(plan.train): risk \(plan.score) (\(plan.level.rawValue))"]
        lines.append("  order: " + (plan.order.isEmpty ? "no service" : plan.order.map { $0.joined(separator: " + ") }.joined(separator: " → ")))
        for rule in plan.rules { lines.append("  \(rule.rule) (\(rule.tickets.joined(separator: ", "))): \(rule.effect)") }
        if plan.rules.isEmpty { lines.append("  no rule applies: the deployment process of railyard.yml as it is") }
        if !plan.adjustments.isNone {
            lines.append("  each service's rollout runs:")
            for wave in plan.waves { lines.append("    \(wave)") }
        }
        for problem in plan.problems { lines.append("  to fix: \(problem)") }
        return lines.joined(separator: "\n")
    }

    static func render(_ view: API.TrainView) -> String {
        let train = view.train
        var lines = ["train \(train.id) (\(train.kind.rawValue)\(train.fixes.map { ", fixes \($0)" } ?? "")) — \(train.state.rawValue), captain \(train.captain)"]
        if !train.services.isEmpty {
            lines.append("  services: " + train.services.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        for skip in train.skipped { lines.append("  skipped \(skip.stage.rawValue) (\(skip.by)): \(skip.reason)") }
        if let reason = train.reason { lines.append("  reason: \(reason)") }
        if let release = train.release {
            lines.append("  release: \(release.phase.rawValue) — " + release.batches.map { $0.joined(separator: " + ") }.joined(separator: " → ")
                         + " (up to \(release.parallel) at once)")
            for entry in release.entries {
                let verb = entry.purpose == .deploy ? "deploy" : "revert to"
                lines.append("    \(verb) \(entry.service) \(entry.version): rollout \(entry.rolloutID)")
            }
            if release.phase == .reverting || release.phase == .stuck, let reason = release.reason { lines.append("    why: \(reason)") }
        }
        if let at = train.productionAt { lines.append("  live in production since \(at.formatted(.iso8601))") }
        for item in train.approvals {
            lines.append("  checklist #\(item.id) \(item.title) (\(item.assignee)): "
                         + (item.approvedBy.map { "approved by \($0)" + (item.approvedAt.map { " at \($0.formatted(.iso8601))" } ?? "") } ?? "waiting"))
        }
        for override in train.overrides { lines.append("  gate \(override.gate.rawValue) overridden by \(override.by): \(override.reason)") }
        for change in train.soakChanges {
            lines.append("  soak in \(change.environment) \(change.kind == .end ? "ended early" : "extended") by \(change.by): \(change.reason)")
        }
        if let forecast = view.forecast, let production = forecast.production, !train.state.isFinal {
            func day(_ date: Date?) -> String { date.map { String($0.formatted(.iso8601).prefix(10)) } ?? "?" }
            let range = production.earliest == production.latest ? "" : " (\(day(production.earliest)) … \(day(production.latest)))"
            lines.append("  production: planned \(day(production.planned)), forecast \(day(production.expected ?? production.actual))\(range)"
                         + (forecast.basedOn == 0 ? " from the timetable" : " from \(forecast.basedOn) past trains"))
        }
        lines.append("  tickets: \(view.tickets.count)")
        for ticket in view.tickets {
            let missing = ticket.answers.missing
            lines.append("    \(ticket.id.padding(toLength: 10, withPad: " ", startingAt: 0)) \(ticket.title) [\(ticket.services.joined(separator: ", "))] \(ticket.owner)"
                         + (missing.isEmpty ? "" : " — to review: \(missing.joined(separator: ", "))"))
        }
        return lines.joined(separator: "\n")
    }
}

/// `--service SERVICE=VERSION`, repeated.
enum ServiceVersions {
    static func parse(_ pairs: [String]) throws -> [String: String] {
        var services: [String: String] = [:]
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--service '\(pair)' is not SERVICE=VERSION (e.g. payin=2026.48.1)")
            }
            services[parts[0]] = parts[1]
        }
        return services
    }
}
