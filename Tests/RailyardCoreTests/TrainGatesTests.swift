import Foundation
import RailyardCore
import Testing

@Suite("Train gates: validation, soak, review, checklist, four eyes, missing capabilities, overrides")
struct TrainGatesTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let config = RailyardConfig(baseDirectory: "/", services: [], environments: [], scripts: [], deployment: DeploymentSpec(waves: []))

    func ticket(_ id: String, rollbackable: Bool = true) -> Ticket {
        Ticket(id: id, title: id, type: "Story", owner: "dave", services: ["payin"],
               answers: RiskAnswers(scripts: false, rollbackable: rollbackable, backwardCompatible: true, scope: .narrow))
    }

    func train(in state: TrainState, enteredAt: Date) -> TrainRecord {
        var train = TrainRecord(id: "2026.48", captain: "carol", services: ["payin": "2026.48.1"], createdBy: "alice", at: t0)
        train.state = state
        train.stages.append(StageEntry(state: state, at: enteredAt))
        return train
    }

    func evaluate(_ train: TrainRecord, to: TrainState, tickets: [Ticket], validations: [Validation] = [], soak: [TrainState: Duration] = [:],
                  now: Date, skipping: Bool = false) -> [TrainGate: GateResult] {
        let plan = TrainPlanner.plan(train: train, tickets: tickets, config: config)
        let results = TrainGates.evaluate(train, to: to, skipping: skipping, tickets: tickets, validations: validations, plan: plan, soak: soak, now: now)
        return Dictionary(uniqueKeysWithValues: results.map { ($0.gate, $0) })
    }

    @Test func eachMoveHasItsOwnGates() {
        #expect(TrainGates.gates(from: .development, to: .nightly, skipping: false, soak: [:], fourEyes: false).isEmpty)
        #expect(TrainGates.gates(from: .testing, to: .perf, skipping: false, soak: [.testing: .seconds(3600)], fourEyes: false) == [.ticketsValidated, .soak])
        #expect(TrainGates.gates(from: .ready, to: .production, skipping: false, soak: [:], fourEyes: true)
                == [.riskReview, .approvals, .fourEyes, .nonRegression, .performance, .blackout])
        #expect(TrainGates.gates(from: .testing, to: .production, skipping: true, soak: [.testing: .seconds(60)], fourEyes: false)
                == [.riskReview, .approvals, .nonRegression, .performance, .blackout], "a hotfix's approved skip of testing adds no validation gate")
    }

    @Test func theNonRegressionGateReadsTheNewestNightlyOfTheVersionsCarried() {
        let train = train(in: .ready, enteredAt: t0)
        func gate(_ run: NightlyRunRecord?) -> GateResult {
            let plan = TrainPlanner.plan(train: train, tickets: [ticket("PAY-1")], config: config)
            return TrainGates.evaluate(train, to: .production, tickets: [ticket("PAY-1")], validations: [], plan: plan, soak: [:], nightly: run, now: t0)
                .first { $0.gate == .nonRegression }!
        }
        #expect(!gate(nil).holds && gate(nil).reason.hasPrefix("no nightly run of train 2026.48 has finished"))
        var run = NightlyRunRecord(id: "2026.48-n3", train: "2026.48", trigger: .scheduled(t0), startedAt: t0, versions: ["payin": "2026.48.1"])
        run.state = .failed
        run.reason = "1 test(s) failing: payments.payin.refund"
        #expect(!gate(run).holds && gate(run).reason == "nightly 2026.48-n3 failed: 1 test(s) failing: payments.payin.refund")
        run.state = .passed
        run.reason = "6 of 6 tests passed"
        run.endedAt = t0
        #expect(gate(run).holds && gate(run).reason == "nightly 2026.48-n3 passed at 2027-01-15T08:00:00Z: 6 of 6 tests passed")
        run.versions["payin"] = "2026.48.0"
        #expect(!gate(run).holds && gate(run).reason == "nightly 2026.48-n3 tested payin 2026.48.0 but the train now carries payin 2026.48.1: run the nightly again",
                "a pass on another version is no evidence for this one")
    }

    @Test func everyTicketMustBeValidatedInTestingByItsLatestVerdict() {
        let train = train(in: .testing, enteredAt: t0)
        let tickets = [ticket("PAY-1"), ticket("PAY-2"), ticket("PAY-3")]
        var validations = [Validation(ticket: "PAY-1", environment: "testing", verdict: .validated, comment: "ok", by: "tess", at: t0),
                           Validation(ticket: "PAY-2", environment: "testing", verdict: .validated, comment: "ok", by: "tess", at: t0),
                           Validation(ticket: "PAY-2", environment: "testing", verdict: .rejected, comment: "refund keeps the fee", by: "tess", at: t0),
                           Validation(ticket: "PAY-3", environment: "nightly", verdict: .validated, comment: "ok", by: "tess", at: t0)]
        var gate = evaluate(train, to: .perf, tickets: tickets, validations: validations, now: t0)[.ticketsValidated]!
        #expect(!gate.holds)
        #expect(gate.reason == "2 of 3 tickets not validated in testing: PAY-2 (rejected by tess: refund keeps the fee); PAY-3 (not validated yet)")
        validations += [Validation(ticket: "PAY-2", environment: "testing", verdict: .validated, comment: "fixed", by: "tess", at: t0),
                        Validation(ticket: "PAY-3", environment: "testing", verdict: .validated, comment: "ok", by: "tess", at: t0)]
        gate = evaluate(train, to: .perf, tickets: tickets, validations: validations, now: t0)[.ticketsValidated]!
        #expect(gate.holds && gate.reason == "all 3 tickets validated in testing")
        #expect(!evaluate(train, to: .perf, tickets: [], now: t0)[.ticketsValidated]!.holds, "a train without tickets validated nothing")
    }

    @Test func aSoakCountsFromTheLastChangeAndCanBeExtendedOrEnded() {
        let day = Duration.seconds(86_400)
        var train = train(in: .testing, enteredAt: t0)
        let tickets = [ticket("PAY-1")]
        func soak(at hours: Double) -> GateResult {
            evaluate(train, to: .perf, tickets: tickets, soak: [.testing: day], now: t0.addingTimeInterval(hours * 3600))[.soak]!
        }
        #expect(!soak(at: 23.99).holds)
        #expect(soak(at: 24).holds)
        // A change at +10h restarts the count.
        train.lastChangeAt = t0.addingTimeInterval(10 * 3600)
        #expect(!soak(at: 33).holds && soak(at: 34).holds)
        #expect(soak(at: 30).reason.contains("4h left of 24h"), "\(soak(at: 30).reason)")
        train.soakChanges.append(SoakChange(kind: .extend, environment: "testing", seconds: 12 * 3600, by: "alice", at: t0.addingTimeInterval(20 * 3600),
                                            reason: "late fix"))
        #expect(!soak(at: 45).holds && soak(at: 46).holds, "extended by 12h")
        train.soakChanges.append(SoakChange(kind: .end, environment: "testing", seconds: nil, by: "alice", at: t0.addingTimeInterval(40 * 3600),
                                            reason: "freeze starts tonight"))
        #expect(soak(at: 40).holds && soak(at: 40).reason == "soak in testing ended early by alice: freeze starts tonight")
        #expect(!soak(at: 39).holds, "not before it was ended")
    }

    @Test func productionNeedsTheReviewTheChecklistAndFourEyesWhenNotRollbackable() {
        var train = train(in: .ready, enteredAt: t0)
        let tickets = [ticket("PAY-1", rollbackable: false)]
        var gates = evaluate(train, to: .production, tickets: tickets, now: t0)
        #expect(gates[.riskReview]?.holds == false && gates[.riskReview]?.reason.contains("review 2026.48 --sign") == true)
        #expect(gates[.approvals]?.holds == true, "an empty checklist holds")
        #expect(gates[.fourEyes]?.holds == false && gates[.fourEyes]?.reason.contains("PAY-1 not rollbackable") == true)
        #expect(gates[.nonRegression]?.holds == false && gates[.performance]?.holds == false, "a missing capability never passes silently")

        train.review = .init(by: "alice", at: t0, score: 5, level: .high)
        train.approvals = [ApprovalItem(id: 1, title: "DBA sign-off", assignee: "dora"), ApprovalItem(id: 2, title: "Go", assignee: "bob")]
        gates = evaluate(train, to: .production, tickets: tickets, now: t0)
        #expect(gates[.riskReview]?.holds == true)
        #expect(gates[.approvals]?.reason == "2 of 2 checklist items waiting: #1 DBA sign-off (dora); #2 Go (bob)")
        train.approvals[0].approvedBy = "dora"
        train.approvals[0].approverRole = .developer
        train.approvals[1].approvedBy = "carol"
        train.approvals[1].approverRole = .approver
        gates = evaluate(train, to: .production, tickets: tickets, now: t0)
        #expect(gates[.approvals]?.holds == true)
        #expect(gates[.fourEyes]?.holds == false, "the captain's own approval is not a second pair of eyes")
        train.approvals[1].approvedBy = "bob"
        #expect(evaluate(train, to: .production, tickets: tickets, now: t0)[.fourEyes]?.holds == true)

        // Tickets changed after the review: sign again.
        train.lastChangeAt = t0.addingTimeInterval(60)
        #expect(evaluate(train, to: .production, tickets: tickets, now: t0)[.riskReview]?.holds == false)
    }

    @Test func anOverrideLetsAClosedGatePassAndIsShownWithIt() {
        var train = train(in: .ready, enteredAt: t0)
        let override = GateOverride(gate: .nonRegression, by: "bob", at: t0, reason: "manual campaign passed")
        train.overrides = [override]
        let gates = evaluate(train, to: .production, tickets: [ticket("PAY-1")], now: t0)
        #expect(gates[.nonRegression]?.passes == true && gates[.nonRegression]?.holds == false && gates[.nonRegression]?.override == override)
        #expect(gates[.performance]?.passes == false)
    }
}
