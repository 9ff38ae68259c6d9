import Foundation
import RailyardAPI
import RailyardCore

/// The demo's train 2026.48 and its hotfix, played through the API as the people of a release would:
/// alice (release owner), tess (tester), bob (approver), and an admin moving the simulated clock so
/// the sprint's days pass in seconds while processes and traffic stay real.
struct DemoTrain {
    let alice: RailyardClient
    let bob: RailyardClient
    let tess: RailyardClient
    let admin: RailyardClient
    let folder: String
    let say: @Sendable (String) -> Void

    static let id = "2026.48"
    static let versions = ["payin": "v2", "wallet": "v2", "fx": "v2"]

    /// A Jira CSV export of the sprint's tickets, merged over the days before the train was cut.
    static func jiraExport(now: Date) -> String {
        func day(_ daysAgo: Double) -> String { String(now.addingTimeInterval(-daysAgo * 86_400).formatted(.iso8601).prefix(10)) }
        return """
            Issue key,Summary,Issue Type,Assignee,Component/s,Component/s,Resolved
            PAY-1234,Pay-in fee column,Story,dave,payin,,\(day(6))
            PAY-1240,Refunds keep the fee,Bug,erin,payin,wallet,\(day(4))
            FX-310,EUR-USD rates from the new provider,Story,frank,fx,,\(day(3))

            """
    }

    /// Every ticket's answers, as the release owner gives them at the review.
    static let answers: [String: RiskAnswers] = [
        "PAY-1234": RiskAnswers(scripts: true, rollbackable: true, backwardCompatible: true, scope: .narrow),
        "PAY-1240": RiskAnswers(scripts: false, rollbackable: true, backwardCompatible: true, scope: .narrow),
        "FX-310": RiskAnswers(scripts: false, rollbackable: true, backwardCompatible: false, scope: .wide),
    ]

    func advanceClock(_ by: String, _ why: String) async throws {
        let now = try await admin.advanceClock(by: by).now
        say("  ⏩ \(by) later (\(String(now.formatted(.iso8601).prefix(16)))): \(why)")
    }

    func advance(_ id: String) async throws -> TrainRecord {
        let train = try await alice.advanceTrain(id)
        say("  → train \(id) is now \(train.state.rawValue)")
        return train
    }

    /// Plays the train from its content to its production release; returns its rollouts.
    func play(follow: (String) async throws -> [DemoCommand.Entry]) async throws -> [DemoCommand.Entry] {
        let id = Self.id
        _ = try await alice.createTrain(API.TrainRequest(id: id, captain: "alice", services: Self.versions, kind: nil, fixes: nil))
        say("  alice creates train \(id): payin v2, wallet v2, fx v2 (payin depends on wallet, wallet on fx)")
        let export = folder + "/jira-\(id).csv"
        try Self.jiraExport(now: Date()).write(toFile: export, atomically: true, encoding: .utf8)
        let imported = try await alice.importTickets(train: id, fileName: "jira-\(id).csv", content: try String(contentsOfFile: export, encoding: .utf8),
                                                     skipInvalid: false)
        say("  \(imported.imported) tickets imported from \(export)")
        _ = try await alice.addApproval(train: id, .init(title: "Go from payment operations", assignee: "bob"))

        say("\n  The ceremony: the four questions for every ticket (what `railyard train review \(id)` asks at a terminal)")
        for (ticket, answer) in Self.answers.sorted(by: { $0.key < $1.key }) {
            _ = try await alice.answer(train: id, ticket: ticket, answers: answer)
            say("    \(ticket): \(TrainText.answers(answer))")
        }
        let signed = try await alice.signReview(train: id)
        let plan = try await alice.trainPlan(id)
        say("  review signed by \(signed.review?.by ?? "?"): risk \(plan.score) (\(plan.level.rawValue))")
        for line in TrainText.render(plan).split(separator: "\n").dropFirst() { say("  " + line) }

        say("\n  Development, nightly, then validation in testing")
        _ = try await advance(id)
        try await advanceClock("9d", "the sprint's development")
        _ = try await advance(id)
        try await DemoNightly(alice: alice, tess: tess, say: say).play(train: id)
        try await advanceClock("1d", "the nightly build and non-regression")
        _ = try await advance(id)
        try await advanceClock("1d", "testers at work")
        _ = try await tess.validate(train: id, ticket: "PAY-1234", .init(environment: "testing", verdict: .validated, comment: "fee stored on EUR and USD pay-ins"))
        _ = try await tess.validate(train: id, ticket: "PAY-1240", .init(environment: "testing", verdict: .rejected, comment: "a partial refund loses the fee"))
        _ = try await tess.validate(train: id, ticket: "FX-310", .init(environment: "testing", verdict: .validated, comment: "rates match the provider"))
        say("  tess validates PAY-1234 and FX-310, rejects PAY-1240: a partial refund loses the fee")
        do {
            _ = try await alice.advanceTrain(id)
        } catch let refused as RailyardClient.Failure {
            say("  ✘ refused: \(refused.message)")
        }
        try await advanceClock("1d", "the fix of PAY-1240 is deployed to testing")
        _ = try await tess.validate(train: id, ticket: "PAY-1240", .init(environment: "testing", verdict: .validated, comment: "partial refunds keep the fee"))
        say("  tess validates PAY-1240")
        try await advanceClock("2d", "the 2-day soak in testing")
        _ = try await advance(id)
        try await advanceClock("3d", "the performance campaign")
        _ = try await advance(id)

        say("\n  Gates before production")
        _ = try await bob.approve(train: id, item: 1)
        say("  bob approves checklist item #1 (Go from payment operations)")
        for gate in try await alice.gates(train: id) where !gate.holds && gate.gate.blocks {
            let reason = gate.gate == .nonRegression ? "non-regression checked by hand (report in PAY-1300)" : "perf campaign 2026.48 within budget"
            _ = try await bob.override(train: id, gate: gate.gate, reason: reason)
            say("  bob overrides \(gate.gate.rawValue): \(reason)")
        }
        for gate in try await alice.gates(train: id) {
            say("    \(gate.holds ? "✔" : gate.override != nil ? "⚑" : "✘") \(gate.gate.rawValue): \(gate.reason)")
        }
        let production = try await advance(id)
        say("  release: " + (production.release?.batches.map { $0.joined(separator: " + ") }.joined(separator: " → ") ?? "?")
            + " (providers first: FX-310 is not backward-compatible)")
        return try await follow(id)
    }

    /// The hotfix: one fix for the train in production, skipping stages with the approver's reason.
    func playHotfix(follow: (String) async throws -> [DemoCommand.Entry]) async throws -> [DemoCommand.Entry] {
        let id = "\(Self.id)-hotfix.1"
        try await advanceClock("1d", "a day in production")
        _ = try await alice.createTrain(API.TrainRequest(id: id, captain: "alice", services: ["payin": "v2.1"], kind: .hotfix, fixes: Self.id))
        _ = try await alice.importTickets(train: id, fileName: "jira-hotfix.csv", content: """
            Issue key,Summary,Issue Type,Assignee,Component/s,Resolved
            PAY-1251,Fee rounding on JPY pay-ins,Bug,dave,payin,\(String(Date().formatted(.iso8601).prefix(10)))

            """, skipInvalid: false)
        _ = try await alice.answer(train: id, ticket: "PAY-1251", answers: RiskAnswers(scripts: false, rollbackable: true, backwardCompatible: true, scope: .narrow))
        _ = try await alice.signReview(train: id)
        say("  alice creates hotfix \(id) (payin v2.1) for PAY-1251, fee rounding on JPY pay-ins; review signed")
        for gate in try await bob.changeRecordGates(id) {
            _ = try await bob.override(train: id, gate: gate, reason: "hotfix PAY-1251: checked by hand on a copy of production")
        }
        let skipped = try await bob.skipTrain(id, to: .production, reason: "JPY pay-ins are charged the wrong fee since 2026.48")
        say("  bob (approver) skips \(skipped.skipped.map(\.stage.rawValue).joined(separator: ", ")) with the reason; the hotfix goes to production")
        return try await follow(id)
    }
}

extension RailyardClient {
    /// The production gates of a train that neither hold nor were overridden, and may be overridden.
    func changeRecordGates(_ id: String) async throws -> [TrainGate] {
        try await changeRecord(train: id).approvals.gates.filter { !$0.holds && $0.override == nil && $0.gate.blocks }.map(\.gate)
    }
}
