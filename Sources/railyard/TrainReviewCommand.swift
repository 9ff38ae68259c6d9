import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RailyardAPI
import RailyardCore

/// The release owner's ceremony: ticket by ticket, the four questions, then each ticket's risk with
/// the assessors' reasons, then the signature.
struct TrainReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review", abstract: "The release owner's review: the four questions ticket by ticket, each risk with why, then --sign (release-owner).",
        discussion: """
            In a terminal, it walks every ticket still missing answers and asks the seed's four questions: \
            Scripts? Rollbackable? Backward-compatible? Scope? Each ticket's answers are stored as soon as they \
            are given, so an interrupted review loses nothing. It then shows each ticket's risk and the assessors' \
            reasons, and offers to sign.

            Without a terminal (or with --no-input) it asks nothing: answers come from --answers FILE, or one \
            ticket at a time from `railyard train answer`.

            --answers takes JSON: {"PAY-1234": {"scripts": true, "rollbackable": false, \
            "backward_compatible": true, "scope": "narrow"}}. A bad file is refused whole, naming the ticket and \
            the field, and nothing is recorded.
            """)
    @Argument(help: "The train's id.") var id: String
    @Flag(help: "Sign the review (refused while a ticket has unanswered questions).") var sign = false
    @Option(help: "Answers from a JSON file, keyed by ticket (see above).") var answers: String?
    @Flag(name: .customLong("no-input"), help: "Never prompt, even in a terminal.") var noInput = false
    @OptionGroup var options: ClientOptions

    var interactive: Bool { !noInput && options.output != .json && isatty(0) == 1 && isatty(1) == 1 }

    func run() async throws {
        let client = try await clientCall { try options.client }
        var view = try await clientCall { try await client.train(id) }
        if let answers {
            let given = try Self.readAnswers(answers, tickets: view.tickets.map(\.id))
            for (ticket, answer) in given.sorted(by: { $0.key < $1.key }) {
                _ = try await clientCall { try await client.answer(train: id, ticket: ticket, answers: answer) }
            }
            print("\(given.count) tickets answered from \(answers)")
        } else if interactive {
            try await ask(client: client, tickets: view.tickets)
        }
        view = try await clientCall { try await client.train(id) }
        let plan = try await clientCall { try await client.trainPlan(id) }
        var signed: TrainRecord?
        var shouldSign = sign
        if !sign, interactive, view.train.review == nil, view.tickets.allSatisfy({ $0.answers.missing.isEmpty }), !view.tickets.isEmpty {
            shouldSign = Self.prompt("Sign the review of train \(id) (risk \(plan.score), \(plan.level.rawValue))? [y/N] ", accept: ["y", "n", ""]) == "y"
        }
        if shouldSign { signed = try await clientCall { try await client.signReview(train: id) } }
        if options.output == .json { return try printJSON(plan) }
        for ticket in view.tickets {
            let risk = plan.tickets.first { $0.ticket == ticket.id }
            print("\(ticket.id)  \(ticket.title)  [\(ticket.services.joined(separator: ", "))]  risk \(risk?.score ?? 0)")
            print("    \(TrainText.answers(ticket.answers))")
            for finding in risk?.findings ?? [] { print("    +\(finding.score) \(finding.assessor): \(finding.why)") }
        }
        print("train \(id): risk \(plan.score) (\(plan.level.rawValue))")
        if let review = signed?.review ?? view.train.review {
            print("review signed by \(review.by) at \(review.at.formatted(.iso8601)) (risk \(review.score))")
        } else {
            print("review not signed yet: `railyard train review \(id) --sign`")
        }
    }

    /// Asks the missing questions of each ticket and stores its answers at once.
    func ask(client: RailyardClient, tickets: [Ticket]) async throws {
        let open = tickets.filter { !$0.answers.missing.isEmpty }
        if open.isEmpty { return }
        print("Review of train \(id): \(open.count) of \(tickets.count) tickets to answer. Ctrl-D stops; what was answered is kept.")
        for (index, ticket) in open.enumerated() {
            print("")
            print("[\(index + 1)/\(open.count)] \(ticket.id)  \(ticket.title)  [\(ticket.services.joined(separator: ", "))]  \(ticket.owner)")
            var answer = RiskAnswers()
            let missing = ticket.answers.missing
            func yesNo(_ question: String) throws -> Bool {
                guard let reply = Self.prompt("  \(question) [y/n] ", accept: ["y", "n", "yes", "no"]) else { throw ExitStatus.refused }
                return reply.hasPrefix("y")
            }
            if missing.contains("scripts") { answer.scripts = try yesNo("Scripts? Does it need pre-deployment scripts?") }
            if missing.contains("rollbackable") { answer.rollbackable = try yesNo("Rollbackable? Can redeploying the previous version undo it?") }
            if missing.contains("backward_compatible") {
                answer.backwardCompatible = try yesNo("Backward-compatible? Does it work with the other services as they run today?")
            }
            if missing.contains("scope") {
                guard let reply = Self.prompt("  Scope? narrow (one flow) or wide (many flows, many customers) [narrow/wide] ",
                                              accept: ["narrow", "wide", "n", "w"]) else { throw ExitStatus.refused }
                answer.scope = reply.hasPrefix("n") ? .narrow : .wide
            }
            let stored = try await clientCall { try await client.answer(train: id, ticket: ticket.id, answers: answer) }
            print("  recorded: \(TrainText.answers(stored.answers))")
        }
        print("")
    }

    /// Prints `question` and reads a line until it is one of `accept` (case-insensitive); nil at end of input.
    static func prompt(_ question: String, accept: [String]) -> String? {
        while true {
            print(question, terminator: "")
            fflush(nil)  // every stream: the prompt shows before the read
            guard let line = readLine() else {
                print("")
                var standardError = StandardError()
                print("review stopped: the answers given so far are recorded", to: &standardError)
                return nil
            }
            let reply = line.trimmingCharacters(in: .whitespaces).lowercased()
            if accept.contains(reply) { return reply }
            print("  please answer \(accept.filter { !$0.isEmpty }.joined(separator: " or "))")
        }
    }

    /// Reads `--answers`: every ticket must be in the train and every field known, or nothing is sent.
    static func readAnswers(_ path: String, tickets: [String]) throws -> [String: RiskAnswers] {
        var standardError = StandardError()
        func fail(_ message: String) -> ExitCode {
            print("\(path): error: \(message)", to: &standardError)
            return ExitStatus.refused
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot read the file") }
        /// One answer as written: true/false, or a word for the scope; anything else is named as it is.
        enum Field: Decodable {
            case flag(Bool), word(String), other
            init(from decoder: any Decoder) throws {
                let value = try decoder.singleValueContainer()
                if let flag = try? value.decode(Bool.self) { self = .flag(flag) } else if let word = try? value.decode(String.self) { self = .word(word) } else { self = .other }
            }
        }
        guard let byTicket = try? JSONDecoder().decode([String: [String: Field]].self, from: data) else {
            throw fail("expected a JSON object keyed by ticket, each an object of answers, e.g. {\"PAY-1234\": {\"scripts\": true}}")
        }
        var result: [String: RiskAnswers] = [:]
        var problems: [String] = []
        for (ticket, fields) in byTicket.sorted(by: { $0.key < $1.key }) {
            guard tickets.contains(ticket) else { problems.append("\(ticket): no such ticket in the train"); continue }
            var answers = RiskAnswers()
            for (key, field) in fields.sorted(by: { $0.key < $1.key }) {
                switch (key, field) {
                case ("scripts", .flag(let flag)): answers.scripts = flag
                case ("rollbackable", .flag(let flag)): answers.rollbackable = flag
                case ("backward_compatible", .flag(let flag)): answers.backwardCompatible = flag
                case ("scripts", _), ("rollbackable", _), ("backward_compatible", _): problems.append("\(ticket): \(key): must be true or false")
                case ("scope", .word(let word)) where RiskAnswers.Scope(rawValue: word) != nil: answers.scope = RiskAnswers.Scope(rawValue: word)
                case ("scope", _): problems.append("\(ticket): scope: must be \"narrow\" or \"wide\"")
                default: problems.append("\(ticket): \(key): unknown field (scripts, rollbackable, backward_compatible, scope)")
                }
            }
            result[ticket] = answers
        }
        guard problems.isEmpty else {
            for problem in problems { print("\(path): error: \(problem)", to: &standardError) }
            print("nothing was recorded", to: &standardError)
            throw ExitStatus.refused
        }
        return result
    }
}
