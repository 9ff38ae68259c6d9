import Foundation
import RailyardCore
import Testing

/// Each rule of the risk policy changes the plan, with its reason; the assessors say why they scored.
@Suite("Train plan: the risk policy, rule by rule")
struct TrainPlannerTests {
    static func config(scripts: Bool = true) throws -> RailyardConfig {
        try ConfigLoader.parse("""
            services:
              wallet: { kind: microservice, command: "w {port} {version}", version: v1, instances: { dc1: 1, dc2: 1 } }
              fx: { kind: microservice, command: "f {port} {version}", version: v1, instances: { dc1: 1, dc2: 1 } }
              payin: { kind: microservice, command: "p {port} {version}", version: v1, instances: { dc1: 1, dc2: 1 }, depends_on: [wallet, fx] }
            environments:
              - name: production
                datacenters: [dc1, dc2]
            \(scripts ? "scripts:\n  - { name: 001-fee, apply: a.sh, rollback: r.sh }" : "")
            deployment:
              waves:
                \(scripts ? "- { name: pre, steps: [scripts] }" : "")
                - { name: canary, target: dc1, steps: [deploy, {setWeight: 20}, {pause: 5m}, analysis, promote] }
                - { name: dc2, target: dc2, steps: [deploy, promote] }
            """, file: "railyard.yml", baseDirectory: "/")
    }

    let train = TrainRecord(id: "2026.48", captain: "carol", services: ["payin": "2026.48.1", "wallet": "2026.48.0", "fx": "2026.48.0"],
                            createdBy: "alice", at: Date(timeIntervalSince1970: 0))

    func ticket(_ id: String, _ answers: RiskAnswers, services: [String] = ["payin"]) -> Ticket {
        Ticket(id: id, title: id, type: "story", owner: "dave", services: services, answers: answers)
    }

    let safe = RiskAnswers(scripts: false, rollbackable: true, backwardCompatible: true, scope: .narrow)

    @Test func aSafeTrainChangesNothing() throws {
        let plan = TrainPlanner.plan(train: train, tickets: [ticket("PAY-1", safe)], config: try Self.config())
        #expect(plan.rules.isEmpty && plan.problems.isEmpty && plan.score == 0 && plan.level == .low)
        #expect(plan.order == [["fx", "payin", "wallet"]], "independent services may go together")
        #expect(!plan.fourEyes && plan.analysisFactor == 1 && plan.weightFactor == 1 && plan.bakeFactor == 1 && !plan.dc2WaitsForDc1)
        #expect(plan.adjustments.isNone)
        #expect(plan.waves.contains("canary (dc1): deploy, setWeight: 20, pause: 5m, analysis (max 5m), promote"), "\(plan.waves)")
    }

    /// What each rule does to the steps every rollout of the train runs.
    @Test func eachRuleAdjustsTheStepsTheTrainsRolloutsRun() throws {
        let config = try Self.config(scripts: false)
        func waves(_ change: (inout RiskAnswers) -> Void) -> (TrainPlan, [String]) {
            var answers = safe
            change(&answers)
            let plan = TrainPlanner.plan(train: train, tickets: [ticket("PAY-1", answers)], config: config)
            return (plan, plan.waves)
        }
        #expect(waves { _ in }.1 == ["canary (dc1): deploy, setWeight: 20, pause: 5m, analysis (max 5m), promote", "dc2 (dc2): deploy, promote"])
        #expect(waves { $0.rollbackable = false }.1
                == ["canary (dc1): deploy, setWeight: 20, pause: 5m, analysis (max 10m), promote", "dc2 (dc2): deploy, promote"])
        #expect(waves { $0.scope = .wide }.1
                == ["canary (dc1): deploy, setWeight: 10, pause: 10m, analysis (max 5m), promote", "dc2 (dc2): deploy, promote"])
        let (breaking, lines) = waves { $0.backwardCompatible = false }
        #expect(lines == ["canary (dc1): deploy, setWeight: 20, pause: 5m, analysis (max 5m), promote",
                          "dc2 (dc2): hold for the train's batch, deploy, promote"])
        #expect(breaking.adjustments.holdBefore == ["dc2"] && breaking.adjustments.reasons.first?.hasPrefix("not-backward-compatible (PAY-1)") == true)
    }

    @Test func eachRuleChangesThePlanWithItsReason() throws {
        let config = try Self.config()
        var answers = safe
        answers.scripts = true
        var plan = TrainPlanner.plan(train: train, tickets: [ticket("PAY-1", answers)], config: config)
        #expect(plan.rules.map(\.rule) == ["scripts"] && plan.rules[0].effect.contains("001-fee") && plan.score == 3)

        answers = safe
        answers.rollbackable = false
        plan = TrainPlanner.plan(train: train, tickets: [ticket("PAY-2", answers)], config: config)
        #expect(plan.rules.map(\.rule) == ["not-rollbackable"] && plan.fourEyes && plan.analysisFactor == 2 && plan.level == .high)

        answers = safe
        answers.backwardCompatible = false
        plan = TrainPlanner.plan(train: train, tickets: [ticket("PAY-3", answers)], config: config)
        #expect(plan.rules.map(\.rule) == ["not-backward-compatible"] && plan.dc2WaitsForDc1)
        #expect(plan.order == [["fx", "wallet"], ["payin"]], "providers first, from depends_on: \(plan.order)")
        #expect(plan.rules[0].effect.contains("fx + wallet → payin"))

        answers = safe
        answers.scope = .wide
        plan = TrainPlanner.plan(train: train, tickets: [ticket("PAY-4", answers, services: ["payin", "fx", "wallet"])], config: config)
        #expect(plan.rules.map(\.rule) == ["wide-scope"] && plan.weightFactor == 0.5 && plan.bakeFactor == 2)
        #expect(plan.tickets[0].findings.map(\.assessor) == ["scope", "breadth"] && plan.tickets[0].score == 4)
    }

    @Test func unansweredQuestionsCountAsTheRiskyAnswer() throws {
        let plan = TrainPlanner.plan(train: train, tickets: [ticket("PAY-5", RiskAnswers(scripts: false))], config: try Self.config())
        #expect(plan.rules.map(\.rule) == ["not-rollbackable", "not-backward-compatible", "wide-scope"])
        #expect(plan.problems.contains { $0.contains("PAY-5") && $0.contains("not reviewed") })
        #expect(plan.tickets[0].findings.first { $0.assessor == "unanswered" }?.why.contains("rollbackable, backward_compatible, scope") == true)
    }

    @Test func scriptsWithoutAScriptsStepAreAProblem() throws {
        var answers = safe
        answers.scripts = true
        let plan = TrainPlanner.plan(train: train, tickets: [ticket("PAY-6", answers)], config: try Self.config(scripts: false))
        #expect(plan.problems.count == 2 && plan.problems[0].contains("declares none"), "\(plan.problems)")
    }

    @Test func dependsOnIsCheckedInRailyardYML() {
        for (services, message) in [
            ("a: { kind: microservice, command: \"a {port}\", version: v1, instances: { s: 1 }, depends_on: [b] }\n  b: { kind: microservice, command: \"b {port}\", version: v1, instances: { s: 1 }, depends_on: [a] }",
             "cycle: a → b"),
            ("a: { kind: microservice, command: \"a {port}\", version: v1, instances: { s: 1 }, depends_on: [walet] }\n  wallet: { kind: microservice, command: \"w {port}\", version: v1, instances: { s: 1 } }",
             "depends_on names no service 'walet'; did you mean 'wallet'?"),
        ] {
            do {
                _ = try ConfigLoader.parse("services:\n  \(services)\nenvironments:\n  - name: s\ndeployment:\n  waves:\n    - { name: s, target: s, steps: [deploy] }\n",
                                           file: "railyard.yml", baseDirectory: "/")
                Issue.record("accepted: \(message)")
            } catch let errors as ConfigErrors {
                #expect(errors.diagnostics.contains { $0.description.contains(message) }, "\(errors.diagnostics)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
