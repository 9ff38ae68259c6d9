import Foundation
import RailyardCore
import RailyardEngine
import RailyardPorts
import Testing

/// Trains and their tickets in the engine, on the in-memory store: every change refused with its
/// reason or stored with its audit event; an import is all or nothing.
@Suite("Train requests: create, import tickets, advance, cancel")
struct TrainRequestsTests {
    static let canary = """
            - name: canary
              target: dc1
              steps: [deploy, promote]
        """

    func row(_ line: Int, _ id: String, services: String = "payin") -> TicketRow {
        TicketRow(line: line, values: ["Issue key": [id], "Summary": ["title of \(id)"], "Assignee": ["dave"], "Component/s": [services]])
    }

    @Test func creatingATrainChecksEveryField() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.canary))
        let train = try await f.engine.trains.create(id: "2026.48", captain: "carol", services: ["payin": "2026.48.1"], actor: "alice")
        #expect(train.state == .planned && train.services == ["payin": "2026.48.1"] && train.createdBy == "alice")
        let created = try await f.store.events(subject: "train:2026.48", limit: 10)
        #expect(created.map(\.kind) == ["train.created"] && created.first?.after == "planned", "\(created)")

        for (id, captain, services, field) in [("2026 48", "carol", [String: String](), "id"), ("2026.49", "", [:], "captain"),
                                                ("2026.49", "carol", ["ledger": "1"], "services"), ("2026.49", "carol", ["payin": "v;1"], "services")] {
            do {
                _ = try await f.engine.trains.create(id: id, captain: captain, services: services, actor: "alice")
                Issue.record("accepted \(id) \(captain) \(services)")
            } catch let refusal as Refusal {
                #expect(refusal.kind == .badRequest && refusal.field == field, "\(refusal)")
            }
        }
        await #expect(throws: Refusal.self) { try await f.engine.trains.create(id: "2026.48", captain: "carol", services: [:], actor: "alice") }
        // A hotfix fixes a train in production; a regular train fixes nothing.
        await #expect(throws: Refusal.self) {
            try await f.engine.trains.create(id: "2026.48-hotfix.1", captain: "carol", services: [:], kind: .hotfix, fixes: "2026.48", actor: "alice")
        }
        await #expect(throws: Refusal.self) {
            try await f.engine.trains.create(id: "2026.50", captain: "carol", services: [:], kind: .regular, fixes: "2026.48", actor: "alice")
        }
        #expect(try await f.store.trains().count == 1, "refusals change nothing")
    }

    @Test func anImportIsAllOrNothingUnlessSkipInvalid() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.canary))
        _ = try await f.engine.trains.create(id: "2026.48", captain: "carol", services: [:], actor: "alice")
        let header = ["Issue key", "Summary", "Assignee", "Component/s"]
        let rows = [row(2, "PAY-1"), row(3, "PAY-2", services: "payn"), row(4, "PAY-3")]
        do {
            _ = try await f.engine.trains.importTickets(train: "2026.48", header: header, rows: rows, fileProblems: [], file: "x.csv",
                                                        skipInvalid: false, actor: "alice")
            Issue.record("an import with a bad row was stored")
        } catch let refused as TrainRequests.ImportRefusal {
            #expect(refused.diagnostics.map(\.line) == [3] && refused.diagnostics[0].message.contains("did you mean 'payin'"), "\(refused.diagnostics)")
        }
        #expect(try await f.engine.trains.tickets(train: "2026.48").isEmpty, "nothing is imported")

        let outcome = try await f.engine.trains.importTickets(train: "2026.48", header: header, rows: rows, fileProblems: [], file: "x.csv",
                                                              skipInvalid: true, actor: "alice")
        #expect(outcome.imported == 2 && outcome.skipped.map(\.line) == [3])
        #expect(try await f.engine.trains.tickets(train: "2026.48").map(\.id) == ["PAY-1", "PAY-3"])
        // The same ticket again, edited in the tracker: replaced, not added.
        var edited = row(5, "PAY-1")
        edited.values["Summary"] = ["renamed"]
        _ = try await f.engine.trains.importTickets(train: "2026.48", header: header, rows: [edited], fileProblems: [], file: "y.csv",
                                                    skipInvalid: false, actor: "alice")
        let tickets = try await f.engine.trains.tickets(train: "2026.48")
        #expect(tickets.map(\.id) == ["PAY-1", "PAY-3"] && tickets[0].title == "renamed")
        let imported = try await f.store.events(subject: "train:2026.48", limit: 10).filter { $0.kind == "train.tickets_imported" }
        #expect(imported.map(\.after) == ["2 tickets", "2 tickets"] && imported[0].message.contains("lines 3"), "\(imported)")

        // A missing column is one problem on the header line.
        await #expect(throws: TrainRequests.ImportRefusal.self) {
            try await f.engine.trains.importTickets(train: "2026.48", header: ["Key"], rows: [], fileProblems: [], file: "z.csv",
                                                    skipInvalid: true, actor: "alice")
        }
    }

    @Test func advanceAndCancelAreStoredWithTheirBeforeAndAfter() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.canary))
        _ = try await f.engine.trains.create(id: "2026.48", captain: "carol", services: [:], actor: "alice")
        #expect(try await f.engine.trains.advance(id: "2026.48", actor: "carol").state == .development)
        let cancelled = try await f.engine.trains.cancel(id: "2026.48", actor: "carol", reason: "merged into 2026.49")
        #expect(cancelled.state == .cancelled && cancelled.reason == "merged into 2026.49")
        do {
            _ = try await f.engine.trains.advance(id: "2026.48", actor: "carol")
            Issue.record("a cancelled train advanced")
        } catch let refusal as Refusal {
            #expect(refusal.kind == .conflict && refusal.reason.contains("cancelled"), "\(refusal)")
        }
        await #expect(throws: Refusal.self) {
            try await f.engine.trains.importTickets(train: "2026.48", header: [], rows: [], fileProblems: [], file: "x.csv", skipInvalid: false, actor: "a")
        }
        let events = try await f.store.events(subject: "train:2026.48", limit: 10)
        #expect(events.map(\.kind) == ["train.created", "train.advanced", "train.cancelled"])
        #expect(events[1].before == "planned" && events[1].after == "development" && events[2].reason == "merged into 2026.49")
    }

    @Test func theReviewIsSignedOnlyOnceEveryTicketIsAnswered() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.canary))
        _ = try await f.engine.trains.create(id: "2026.48", captain: "carol", services: ["payin": "2026.48.1"], actor: "alice")
        await #expect(throws: Refusal.self) { try await f.engine.trains.signReview(train: "2026.48", actor: "alice") }
        _ = try await f.engine.trains.importTickets(train: "2026.48", header: ["Issue key", "Summary", "Assignee", "Component/s"],
                                                    rows: [row(2, "PAY-1")], fileProblems: [], file: "x.csv", skipInvalid: false, actor: "alice")
        var ticket = try await f.engine.trains.answer(train: "2026.48", ticket: "PAY-1", answers: RiskAnswers(scripts: false, rollbackable: false),
                                                      actor: "alice")
        #expect(ticket.answers.missing == ["backward_compatible", "scope"])
        do {
            _ = try await f.engine.trains.signReview(train: "2026.48", actor: "alice")
            Issue.record("a review with unanswered questions was signed")
        } catch let refusal as Refusal {
            #expect(refusal.reason.contains("PAY-1 (backward_compatible, scope)"), "\(refusal)")
        }
        ticket = try await f.engine.trains.answer(train: "2026.48", ticket: "PAY-1",
                                                  answers: RiskAnswers(backwardCompatible: true, scope: .narrow), actor: "alice")
        #expect(ticket.answers == RiskAnswers(scripts: false, rollbackable: false, backwardCompatible: true, scope: .narrow),
                "earlier answers are kept")
        let signed = try await f.engine.trains.signReview(train: "2026.48", actor: "alice")
        #expect(signed.review?.by == "alice" && signed.review?.score == 5 && signed.review?.level == .high)
        let plan = try await f.engine.trains.plan(train: "2026.48")
        #expect(plan.fourEyes && plan.rules.map(\.rule) == ["not-rollbackable"])
        let answered = try await f.store.events(subject: "train:2026.48", limit: 20).filter { $0.kind == "train.ticket_answered" }
        #expect(answered.first?.before == "scripts=? rollbackable=? backward_compatible=? scope=?"
                && answered.first?.after == "scripts=no rollbackable=no backward_compatible=? scope=?", "\(answered)")
        await #expect(throws: Refusal.self) {
            try await f.engine.trains.answer(train: "2026.48", ticket: "PAY-404", answers: RiskAnswers(scripts: true), actor: "alice")
        }
    }

    @Test func aHotfixSkippingValidationNeedsAnotherPersonsApproval() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.canary))
        _ = try await f.engine.trains.create(id: "2026.48", captain: "carol", services: ["payin": "2026.48.1"], actor: "alice")
        for _ in 0..<6 { try await Self.advancePastGates(f.engine.trains, "2026.48") }
        let hotfix = try await f.engine.trains.create(id: "2026.48-hotfix.1", captain: "carol", services: ["payin": "2026.48.2"], kind: .hotfix,
                                                      fixes: "2026.48", actor: "alice")
        #expect(hotfix.fixes == "2026.48")
        // Up to testing, the release owner may skip on their own.
        var train = try await f.engine.trains.skip(id: hotfix.id, to: .testing, actor: "alice", isApprover: false, reason: "customers blocked")
        #expect(train.state == .testing && train.skipped.map(\.stage) == [.development, .nightly])
        // Past testing: an approver, and not the hotfix's creator.
        for (actor, isApprover, expected) in [("alice", false, "needs an approver"), ("alice", true, "four-eyes: alice created")] {
            do {
                _ = try await f.engine.trains.skip(id: hotfix.id, to: .production, actor: actor, isApprover: isApprover, reason: "now")
                Issue.record("\(actor) skipped validation")
            } catch let refusal as Refusal {
                #expect(refusal.kind == .forbidden && refusal.reason.contains(expected), "\(refusal)")
            }
        }
        // Production's own gates still apply to a hotfix.
        do {
            _ = try await f.engine.trains.skip(id: hotfix.id, to: .production, actor: "bob", isApprover: true, reason: "fee rounding costs money")
            Issue.record("a hotfix skipped into production past its gates")
        } catch let refusal as Refusal {
            #expect(refusal.kind == .conflict && refusal.reason.contains("non-regression: no nightly run of train"), "\(refusal)")
        }
        for gate in try await f.engine.trains.gates(train: hotfix.id, to: .production) where !gate.passes {
            _ = try await f.engine.trains.override(train: hotfix.id, gate: gate.gate, reason: "hotfix: \(gate.gate.rawValue) checked by hand", actor: "bob")
        }
        train = try await f.engine.trains.skip(id: hotfix.id, to: .production, actor: "bob", isApprover: true, reason: "fee rounding costs money")
        #expect(train.state == .production && train.skipped.map(\.stage) == [.development, .nightly, .perf, .ready])
        #expect(train.skipped.last == TrainRecord.Skip(stage: .ready, reason: "fee rounding costs money", by: "bob"))
        let skips = try await f.store.events(subject: "train:\(hotfix.id)", limit: 20).filter { $0.kind == "train.skipped" }
        #expect(skips.map(\.actor) == ["alice", "bob"] && skips.last?.before == "testing" && skips.last?.after == "production")
    }

    /// Moves a train one stage on, overriding (as bob, an approver) every gate that does not hold.
    static func advancePastGates(_ trains: TrainRequests, _ id: String) async throws {
        for gate in try await trains.gates(train: id) where !gate.passes && gate.gate.blocks {
            _ = try await trains.override(train: id, gate: gate.gate, reason: "test: \(gate.gate.rawValue) by hand", actor: "bob")
        }
        _ = try await trains.advance(id: id, actor: "carol")
    }

    @Test func gatesHoldATrainUntilValidatedSignedApprovedOrOverridden() async throws {
        let f = FakeEngine(config: try FakeEngine.config(waves: Self.canary))
        let trains = f.engine.trains
        _ = try await trains.create(id: "2026.48", captain: "carol", services: ["payin": "2026.48.1"], actor: "alice")
        _ = try await trains.importTickets(train: "2026.48", header: ["Issue key", "Summary", "Assignee", "Component/s"],
                                           rows: [row(2, "PAY-1"), row(3, "PAY-2")], fileProblems: [], file: "x.csv", skipInvalid: false, actor: "alice")
        for _ in 0..<3 { _ = try await trains.advance(id: "2026.48", actor: "carol") }
        func refusal(_ body: () async throws -> Any) async -> Refusal? {
            do { _ = try await body(); return nil } catch let refusal as Refusal { return refusal } catch { return nil }
        }
        var refused = await refusal { try await trains.advance(id: "2026.48", actor: "carol") }
        #expect(refused?.reason == "train 2026.48 cannot go to perf: tickets-validated: 2 of 2 tickets not validated in testing: "
                + "PAY-1 (not validated yet); PAY-2 (not validated yet)")
        _ = try await trains.validate(train: "2026.48", ticket: "PAY-1", environment: "testing", verdict: .validated, comment: "fee ok", actor: "tess")
        _ = try await trains.validate(train: "2026.48", ticket: "PAY-2", environment: "testing", verdict: .rejected, comment: "refund keeps the fee",
                                      actor: "tess")
        refused = await refusal { try await trains.advance(id: "2026.48", actor: "carol") }
        #expect(refused?.reason.contains("PAY-2 (rejected by tess: refund keeps the fee)") == true, "\(String(describing: refused))")
        #expect(await refusal { try await trains.validate(train: "2026.48", ticket: "PAY-2", environment: "qa", verdict: .validated, comment: "x",
                                                          actor: "tess") }?.field == "environment")
        #expect(await refusal { try await trains.validate(train: "2026.48", ticket: "PAY-2", environment: "dc1", verdict: .validated, comment: " ",
                                                          actor: "tess") }?.field == "comment")
        _ = try await trains.validate(train: "2026.48", ticket: "PAY-2", environment: "dc1", verdict: .validated, comment: "fixed", actor: "tess")
        refused = await refusal { try await trains.advance(id: "2026.48", actor: "carol") }
        #expect(refused?.reason.contains("PAY-2 (rejected by tess") == true, "a validation elsewhere does not count for testing")
        _ = try await trains.validate(train: "2026.48", ticket: "PAY-2", environment: "testing", verdict: .validated, comment: "fixed", actor: "tess")
        #expect(try await trains.advance(id: "2026.48", actor: "carol").state == .perf)
        #expect(try await trains.advance(id: "2026.48", actor: "carol").state == .ready)

        // Production: the review, the checklist, four eyes (answers missing count as not rollbackable), and the missing capabilities.
        refused = await refusal { try await trains.advance(id: "2026.48", actor: "carol") }
        for gate in ["risk-review", "four-eyes", "non-regression", "performance"] {
            #expect(refused?.reason.contains("\(gate): ") == true, "\(gate) missing from \(String(describing: refused))")
        }
        #expect(refused?.reason.contains("approvals:") == false, "an empty checklist holds")
        _ = try await trains.addApproval(train: "2026.48", title: "Go from support", assignee: "bob", actor: "alice")
        #expect(await refusal { try await trains.approve(train: "2026.48", item: 1, actor: "alice", role: .approver) }?.kind == .forbidden)
        let approved = try await trains.approve(train: "2026.48", item: 1, actor: "bob", role: .approver)
        #expect(approved.approvals.first?.approvedBy == "bob" && approved.approvals.first?.approverRole == .approver)
        for ticket in ["PAY-1", "PAY-2"] {
            _ = try await trains.answer(train: "2026.48", ticket: ticket, answers: RiskAnswers(scripts: false, rollbackable: false,
                                                                                               backwardCompatible: true, scope: .narrow), actor: "alice")
        }
        _ = try await trains.signReview(train: "2026.48", actor: "alice")
        #expect(await refusal { try await trains.override(train: "2026.48", gate: .riskReview, reason: "x", actor: "bob") }?.kind == .conflict,
                "a gate that holds is not overridden")
        _ = try await trains.override(train: "2026.48", gate: .nonRegression, reason: "manual campaign passed, PAY-1300", actor: "bob")
        refused = await refusal { try await trains.advance(id: "2026.48", actor: "carol") }
        #expect(refused?.reason == "train 2026.48 cannot go to production: performance: no performance result: Railyard does not run the "
                + "performance campaign yet; an approver may override with the evidence they have", "\(String(describing: refused))")
        _ = try await trains.override(train: "2026.48", gate: .performance, reason: "perf run 48 within budget", actor: "bob")
        let gates = try await trains.gates(train: "2026.48")
        #expect(gates.allSatisfy(\.passes) && gates.first { $0.gate == .fourEyes }?.reason == "bob (approver) approved #1 Go from support")
        let production = try await trains.advance(id: "2026.48", actor: "carol")
        #expect(production.state == .production && production.release?.batches == [["payin"]])
        #expect(production.stages.map(\.state) == [.planned, .development, .nightly, .testing, .perf, .ready, .production])

        let kinds = try await f.store.events(subject: "train:2026.48", limit: 100).map(\.kind)
        #expect(kinds.filter { $0 == "train.gate_overridden" }.count == 2 && kinds.contains("train.ticket_rejected")
                && kinds.contains("train.approval_given"))
        // The next train starts with the same checklist, unapproved.
        let next = try await trains.create(id: "2026.49", captain: "carol", services: [:], actor: "alice")
        #expect(next.approvals == [ApprovalItem(id: 1, title: "Go from support", assignee: "bob")])
    }
}

@Suite("Train scheduler: each sprint's train on its first day, missed runs made up, runs skipped and resumed")
struct TrainSchedulerTests {
    @Test func aPersonsTrainCreatedWhileTheSchedulerCreatesTheSameOneStandsAndTheSchedulerCarriesOn() async throws {
        var config = try FakeEngine.config(waves: TrainRequestsTests.canary)
        config.trains.cadence = .init(captain: "carol", hour: 9, minute: 0)
        let f = FakeEngine(config: config)
        // Alice creates sprint 2027.01's train between the scheduler's check and its write.
        f.store.trainInterloper.withLock {
            $0 = .init(kind: "train.created") { scheduled in
                var alices = scheduled
                alices.captain = "alice"
                alices.createdBy = "alice"
                return alices
            }
        }
        #expect(try await f.engine.scheduler.tick() == nil, "not created twice, and no error that would stop the server")
        #expect(try await f.store.train(id: "2027.01")?.createdBy == "alice", "the person's train stands")
        #expect(try await f.store.events(subject: "train:2027.01", limit: 10).isEmpty, "the scheduler's create wrote nothing")

        // A request that loses the same race is refused with the reason, as the check before it would have.
        f.store.trainInterloper.withLock { $0 = .init(kind: "train.created") { $0 } }
        do {
            _ = try await f.engine.trains.create(id: "2027.02", captain: "carol", services: [:], actor: "bob")
            Issue.record("a second create of 2027.02 must be refused")
        } catch let refusal as Refusal {
            #expect(refusal.kind == .conflict && refusal.reason == "train 2027.02 already exists", "\(refusal)")
        }
    }

    @Test func theSchedulerCreatesEachSprintsTrainAndHonoursSkippedRuns() async throws {
        var config = try FakeEngine.config(waves: TrainRequestsTests.canary)
        config.trains.cadence = .init(captain: "carol", hour: 9, minute: 0)
        let f = FakeEngine(config: config)
        let scheduler = f.engine.scheduler
        // The manual clock starts on Friday 2027-01-15 08:00 UTC: sprint 2027.01 began on the 4th, its
        // 09:00 run was missed while Railyard was down, so it is made now.
        let made = try await scheduler.tick()
        #expect(made?.id == "2027.01" && made?.captain == "carol" && made?.createdBy == "railyard:schedule")
        #expect(try await scheduler.tick() == nil, "never twice")

        _ = try await f.engine.trains.skipRun(train: "2027.03", reason: "team offsite", actor: "alice")
        do {
            _ = try await f.engine.trains.skipRun(train: "2027.02", reason: "x", actor: "alice")
            Issue.record("2027.02 starts no sprint")
        } catch let refusal as Refusal {
            #expect(refusal.field == "train")
        }
        let task = Task { try await scheduler.run() }
        defer { task.cancel() }
        for _ in 0..<5_000 where f.clock.sleeperCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
        // Monday 2027-01-18 09:00: 2027.03's run is skipped.
        f.clock.advance(by: 3 * 86_400 + 3600)
        for _ in 0..<200 { try await Task.sleep(for: .milliseconds(2)) }
        #expect(try await f.store.train(id: "2027.03") == nil, "a skipped run makes no train")
        let resumed = try await f.engine.trains.resumeRun(train: "2027.03", actor: "alice", scheduler: scheduler)
        #expect(resumed.skipped.isEmpty)
        #expect(try await f.store.train(id: "2027.03")?.createdBy == "railyard:schedule", "resumed after its time: made at once")
        // Two weeks later, the next sprint's train comes on schedule.
        f.clock.advance(by: 14 * 86_400)
        var next: TrainRecord?
        for _ in 0..<2_000 where next == nil {
            next = try await f.store.train(id: "2027.05")
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(next?.captain == "carol")
        let kinds = try await f.store.events(subject: "schedule", limit: 10).map(\.kind)
        #expect(kinds == ["schedule.run_skipped", "schedule.run_resumed"])
    }
}
