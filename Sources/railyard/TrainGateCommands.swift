import ArgumentParser
import Foundation
import RailyardAPI
import RailyardCore

extension Validation.Verdict: ExpressibleByArgument {}
extension SoakChange.Kind: ExpressibleByArgument {}
extension TrainGate: ExpressibleByArgument {}

struct TrainGatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gates", abstract: "The gates of a train's next move: whether each holds, and why.",
        discussion: """
            Leaving testing needs every ticket validated there; leaving a stage with a soak (trains: soak in \
            railyard.yml) needs the soak done; entering production needs the signed risk review, the checklist \
            approved, four eyes when a ticket is not rollbackable, the non-regression and the performance campaign. \
            An approver may override a gate that does not hold: `railyard train override`.
            """)
    @Argument(help: "The train's id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let gates = try await clientCall { try await options.client.gates(train: id) }
        if options.output == .json { return try printJSON(gates) }
        if gates.isEmpty { print("train \(id): no gate before its next move") }
        for gate in gates {
            let mark = gate.holds ? "holds     " : gate.override != nil ? "overridden" : "closed    "
            print("\(mark)  \(gate.gate.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)) \(gate.reason)")
            if let override = gate.override { print("            overridden by \(override.by) at \(override.at.formatted(.iso8601)): \(override.reason)") }
        }
    }
}

struct TrainValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "A tester's verdict on a ticket in an environment, with a comment (tester).",
        discussion: """
            Example:
              railyard train validate 2026.48 PAY-1234 --env testing --comment "fee checked on EUR and USD"
              railyard train validate 2026.48 PAY-1240 --env testing --verdict rejected --comment "refund keeps the fee"
            """)
    @Argument(help: "The train's id.") var id: String
    @Argument(help: "The ticket, e.g. PAY-1234.") var ticket: String
    @Option(name: .customLong("env"), help: "The environment it was tested in.") var environment = "testing"
    @Option(help: "validated or rejected.") var verdict: Validation.Verdict = .validated
    @Option(help: "What was checked, or what is wrong.") var comment: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let validation = try await clientCall {
            try await options.client.validate(train: id, ticket: ticket, .init(environment: environment, verdict: verdict, comment: comment))
        }
        if options.output == .json { return try printJSON(validation) }
        print("\(validation.ticket) \(validation.verdict.rawValue) in \(validation.environment) by \(validation.by)")
    }
}

struct TrainSoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak", abstract: "End the soak of a train's current stage early, or extend it, with the reason (release-owner).",
        discussion: """
            Example:
              railyard train soak 2026.48 extend --by 12h --reason "a fix was merged late"
              railyard train soak 2026.48 end --reason "weekend freeze starts tonight; testers signed off"
            """)
    @Argument(help: "The train's id.") var id: String
    @Argument(help: "end or extend.") var action: SoakChange.Kind
    @Option(name: .customLong("by"), help: "For extend: how much longer, e.g. 12h.") var duration: String?
    @Option(help: "Why; recorded and shown with the soak gate.") var reason: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let train = try await clientCall { try await options.client.changeSoak(train: id, .init(action: action, duration: duration, reason: reason)) }
        if options.output == .json { return try printJSON(train) }
        print("train \(train.id): soak \(action == .end ? "ended" : "extended")")
    }
}

struct TrainApprovalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals", abstract: "The release captain's checklist: add an item, assigned to one person (release-owner).",
        discussion: "A new train copies the previous train's items, unapproved. `railyard train show` lists them.",
        subcommands: [TrainApprovalsAddCommand.self])
}

struct TrainApprovalsAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a checklist item assigned to one person.")
    @Argument(help: "The train's id.") var id: String
    @Argument(help: "What must be approved, e.g. \"DBA sign-off\".") var title: String
    @Option(help: "Who approves it, by the name their token carries.") var assignee: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let train = try await clientCall { try await options.client.addApproval(train: id, .init(title: title, assignee: assignee)) }
        if options.output == .json { return try printJSON(train) }
        if let item = train.approvals.last { print("train \(train.id): #\(item.id) \(item.title), assigned to \(item.assignee)") }
    }
}

struct TrainApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve your checklist item of a train (its assignee only).")
    @Argument(help: "The train's id.") var id: String
    @Argument(help: "The item's number, as `railyard train show` lists it.") var item: Int
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let train = try await clientCall { try await options.client.approve(train: id, item: item) }
        if options.output == .json { return try printJSON(train) }
        let approved = train.approvals.first { $0.id == item }
        print("train \(train.id): #\(item) \(approved?.title ?? "") approved by \(approved?.approvedBy ?? "?")")
    }
}

struct TrainOverrideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "override", abstract: "Let a train pass a gate that does not hold, with the reason (approver).",
        discussion: """
            Gates: tickets-validated, soak, risk-review, approvals, four-eyes, non-regression, performance. \
            The override is recorded on the train and in the audit log.

            Example:
              railyard train override 2026.48 non-regression --reason "manual campaign passed, report in PAY-1300"
            """)
    @Argument(help: "The train's id.") var id: String
    @Argument(help: "The gate.") var gate: TrainGate
    @Option(help: "Why; recorded with the override.") var reason: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let train = try await clientCall { try await options.client.override(train: id, gate: gate, reason: reason) }
        if options.output == .json { return try printJSON(train) }
        print("train \(train.id): gate \(gate.rawValue) overridden")
    }
}

struct TrainRecordCommand: AsyncParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable { case md, json }
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "The train's change record: the release evidence for PCI DSS v4 requirement 6.5.1.",
        discussion: """
            One section per item of 6.5.1: the reason (tickets), the security and risk impact (answers, score, \
            policy), the approvals (review, checklist, gates, overrides, skips), the testing (validations, soak, \
            non-regression, performance), the way back (reverts and rollback scripts) and what happened in \
            production (rollouts, analyses, verdicts), then the train's audit events and the audit chain's head \
            hash. Everything comes from what Railyard recorded.

            Example:
              railyard train record 2026.48 --format md > 2026.48-change-record.md
              railyard train record 2026.48 --format json > 2026.48.json   # later: railyard audit verify --anchor 2026.48.json
            """)
    @Argument(help: "The train's id.") var id: String
    @Option(help: "md (Markdown) or json.") var format: Format = .md
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let record = try await clientCall { try await options.client.changeRecord(train: id) }
        if format == .json || options.output == .json { return try printJSON(record) }
        print(ChangeRecordMarkdown.render(record), terminator: "")
    }
}

struct TrainSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Set the service versions a train carries, all of them (release-owner).",
        discussion: """
            Before production only. The train then carries exactly the versions given; \
            a soak restarts.

            Example:
              railyard train set 2026.48 --service payin=2026.48.2 --service wallet=2026.48.0
            """)
    @Argument(help: "The train's id.") var id: String
    @Option(help: "SERVICE=VERSION; repeat for each service.") var service: [String] = []
    @OptionGroup var options: ClientOptions

    func validate() throws { _ = try ServiceVersions.parse(service) }

    func run() async throws {
        let services = try ServiceVersions.parse(service)
        let train = try await clientCall { try await options.client.setServices(train: id, services) }
        if options.output == .json { return try printJSON(train) }
        print("train \(train.id) carries " + (train.services.isEmpty ? "no service" : train.services.sorted { $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
    }
}

struct TrainTicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket", abstract: "Create or edit one ticket of a train by hand (release-owner or developer).",
        discussion: """
            Checked as an imported row is; its review answers are kept.

            Example:
              railyard train ticket 2026.48 PAY-1260 --title "Refund fees" --owner erin --service payin --merged 2026-11-20
            """)
    @Argument(help: "The train's id.") var id: String
    @Argument(help: "The ticket's key, e.g. PAY-1234.") var ticket: String
    @Option(help: "Its title.") var title: String
    @Option(help: "Story, Bug, …") var type: String?
    @Option(help: "Who owns it.") var owner: String
    @Option(help: "A service it touches; repeat for each.") var service: [String] = []
    @Option(help: "When it was merged (2026-11-20 or 2026-11-20T14:05:00Z).") var merged: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let stored = try await clientCall {
            try await options.client.putTicket(train: id, ticket: ticket, .init(title: title, type: type, owner: owner, services: service, mergedAt: merged))
        }
        if options.output == .json { return try printJSON(stored) }
        print("\(stored.id) in train \(id): \(stored.title) [\(stored.services.joined(separator: ", "))] \(stored.owner)")
    }
}
