import Foundation
import RailyardAdapters
import RailyardCore
import RailyardEngine
import RailyardPorts
import Testing

/// A train of three services with a `depends_on` chain (payin → wallet → fx), released by the train
/// controller in-process as ordinary rollouts of real instances behind real routers.
@Suite(.serialized, .fleet) struct TrainReleaseTests {
    /// A version ending in `-bad` cannot start (it cannot open its ledger); every other version is the
    /// demo service. `canaryPause` bakes the dc1 wave (on the server's clock); `dc2` adds a last wave
    /// in dc2, which a not backward-compatible ticket holds until the batch has finished dc1.
    static func config(folder: String, canaryPause: String? = nil, trains: String = "", dc2: Bool = false) -> String {
        let binary = RailyardBinary.path
        func service(_ name: String, dependsOn: String?) -> String {
            """
              \(name):
                kind: microservice
                command: ["/bin/sh", "-c", "case \\"$1\\" in *-bad) echo \\"boom: $1 cannot open its ledger\\"; exit 3;; esac; exec '\(binary)' payments-demo --service \(name) --version \\"$1\\" --port \\"$2\\" --behaviour '\(folder)/behaviour.yml'", "sh", "{version}", "{port}"]
                version: v1
                smoke: [/health]
                start_timeout: 30s
                instances: { staging: 1, dc1: 1\(dc2 ? ", dc2: 1" : "") }
            \(dependsOn.map { "    depends_on: [\($0)]\n" } ?? "")
            """
        }
        return """
            services:
            \(service("fx", dependsOn: nil))\(service("wallet", dependsOn: "fx"))\(service("payin", dependsOn: "wallet"))
            environments:
              - name: staging
              - name: production
                datacenters: [dc1, dc2]
            scripts:
              - name: 001-fee-column
                apply: apply.sh
                rollback: rollback.sh
            trains:
              parallel: 2
            \(trains)
            deployment:
              waves:
                - name: pre-deployment
                  steps: [scripts]
                - name: staging
                  target: staging
                  steps: [deploy, smoke, promote]
                - name: canary
                  target: dc1
                  steps: [deploy, smoke, setWeight: 50, \(canaryPause.map { "pause: \($0), " } ?? "")promote]
            \(dc2 ? "    - name: dc2\n      target: dc2\n      steps: [deploy, smoke, promote]\n" : "")
            """
    }

    /// Two independent services (no depends_on: one batch) in dc1 then dc2, the canary baking `pause`.
    static func twoDatacenterConfig(folder: String) -> String {
        let binary = RailyardBinary.path
        func service(_ name: String) -> String {
            """
              \(name):
                kind: microservice
                command: ["\(binary)", "payments-demo", "--service", "\(name)", "--version", "{version}", "--port", "{port}", "--behaviour", "\(folder)/behaviour.yml"]
                version: v1
                smoke: [/health]
                start_timeout: 30s
                instances: { dc1: 1, dc2: 1 }

            """
        }
        return """
            services:
            \(service("fx"))\(service("wallet"))
            environments:
              - name: production
                datacenters: [dc1, dc2]
            trains:
              parallel: 2
            deployment:
              waves:
                - name: canary
                  target: dc1
                  steps: [deploy, smoke, setWeight: 50, pause: 10s, promote]
                - name: dc2
                  target: dc2
                  steps: [deploy, smoke, promote]
            """
    }

    static let breakingNarrow = RiskAnswers(scripts: true, rollbackable: true, backwardCompatible: false, scope: .narrow)

    func withTrain(_ name: String, payin: String, trains: String = "", services: [String: String]? = nil,
                   answers: RiskAnswers = breakingNarrow, configText: ((String) -> String)? = nil,
                   _ body: (EngineHarness, TrainRecord) async throws -> Void) async throws {
        let harness = try await EngineHarness.make(name, behaviour: "{}\n", configText: configText ?? { Self.config(folder: $0, trains: trains) })
        do {
            let engine = harness.engine
            let carried = services ?? ["fx": "2026.48.0", "wallet": "2026.48.0", "payin": payin]
            var train = try await engine.trains.create(id: "2026.48", captain: "carol", services: carried, actor: "alice")
            // One ticket, by default not backward-compatible: the plan orders services by depends_on.
            let ticket = Ticket(id: "PAY-1234", title: "Fee column on pay-ins", type: "Story", owner: "dave", services: carried.keys.sorted(),
                                answers: answers)
            try await engine.store.save(tickets: [ticket], of: train,
                                        event: AuditEvent(at: harness.clock.now(), actor: "alice", kind: "train.tickets_imported",
                                                          subject: "train:2026.48", message: "test ticket"))
            _ = try await engine.trains.signReview(train: train.id, actor: "alice")
            while train.state != .production {
                if train.state == .testing {
                    _ = try await engine.trains.validate(train: train.id, ticket: "PAY-1234", environment: "testing", verdict: .validated,
                                                         comment: "fee column checked", actor: "tess")
                }
                for gate in try await engine.trains.gates(train: train.id) where !gate.passes && gate.gate.blocks {
                    _ = try await engine.trains.override(train: train.id, gate: gate.gate, reason: "checked by hand", actor: "bob")
                }
                train = try await engine.trains.advance(id: train.id, actor: "alice")
            }
            try await body(harness, train)
        } catch {
            try? await harness.finish()
            throw error
        }
        try await harness.finish()
    }

    /// Polls (real time) until the train's release ends.
    func released(_ harness: EngineHarness, _ id: String) async throws -> TrainRecord {
        for _ in 0..<1200 {
            let train = try await harness.engine.trains.train(id: id)
            if train.state.isFinal { return train }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("train \(id)'s release never ended")
    }

    /// The versions of each service that run as processes now, read from their command lines.
    func runningVersions(_ harness: EngineHarness) -> [String: Set<String>] {
        var versions: [String: Set<String>] = [:]
        for pid in RailyardBinary.processes(mentioning: harness.folder + "/behaviour.yml") {
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let service = arguments.firstIndex(of: "--service").map({ arguments[$0 + 1] }),
                  let version = arguments.firstIndex(of: "--version").map({ arguments[$0 + 1] }) else { continue }
            versions[service, default: []].insert(version)
        }
        return versions
    }

    @Test func aChainDeploysProvidersFirstOneRolloutPerService() async throws {
        try await withTrain("train-ok", payin: "2026.48.2") { harness, start in
            #expect(start.release?.batches == [["fx"], ["wallet"], ["payin"]])
            #expect(start.release?.previous == ["fx": "v1", "wallet": "v1", "payin": "v1"])
            let ended = try await released(harness, start.id)
            #expect(ended.state == .done, "reason: \(ended.reason ?? "none")")
            #expect(ended.productionAt != nil)
            let entries = try #require(ended.release?.entries)
            #expect(entries.map(\.service) == ["fx", "wallet", "payin"] && entries.allSatisfy { $0.purpose == .deploy })
            // Each service started only once the one it depends on was promoted everywhere.
            let rollouts = try await entries.asyncMap { try await harness.engine.rollouts.rollout(id: $0.rolloutID) }
            #expect(rollouts.allSatisfy { $0.phase == .promoted && $0.train == "2026.48" })
            for (provider, consumer) in zip(rollouts, rollouts.dropFirst()) {
                let promoted = try await harness.engine.rollouts.history(subject: provider.id, limit: 200).last { $0.kind == "rollout.finished" }
                #expect(try #require(promoted).at <= consumer.createdAt, "\(consumer.service) started before \(provider.service) was out")
                #expect(try await eventID(harness, provider.id, "rollout.finished") < eventID(harness, consumer.id, "rollout.created"))
            }
            let stable = try await harness.engine.store.stableVersions()
            #expect(stable["fx"]?["dc1"] == "2026.48.0" && stable["wallet"]?["dc1"] == "2026.48.0" && stable["payin"]?["dc1"] == "2026.48.2")
            #expect(runningVersions(harness) == ["fx": ["2026.48.0"], "wallet": ["2026.48.0"], "payin": ["2026.48.2"]])
            // The scripts ran once, in the first rollout, before any other service started.
            let scripts = try await harness.engine.store.scripts()
            #expect(scripts.map(\.rolloutID) == [entries[0].rolloutID] && scripts.first?.state == .applied)

            // The change record holds every item of PCI DSS 6.5.1, from what the store holds.
            let record = try await harness.engine.trains.record(train: "2026.48")
            #expect(record.reason.tickets.map(\.id) == ["PAY-1234"])
            #expect(record.impact.rules.map(\.rule).contains("not-backward-compatible") && record.impact.score > 0)
            #expect(record.approvals.review?.by == "alice" && record.approvals.overrides.contains { $0.gate == .nonRegression && $0.by == "bob" })
            #expect(record.testing.validations.map { "\($0.ticket) \($0.verdict.rawValue) \($0.by)" } == ["PAY-1234 validated tess"])
            #expect(record.testing.nonRegression.contains("overridden by bob"))
            #expect(record.wayBack.reverts.map { "\($0.service) \($0.from)→\($0.to)" } == ["fx 2026.48.0→v1", "payin 2026.48.2→v1", "wallet 2026.48.0→v1"])
            #expect(record.wayBack.scripts.map { "\($0.name) \($0.state ?? "-")" } == ["001-fee-column applied"])
            #expect(record.production.phase == .released && record.production.rollouts.map(\.phase) == [.promoted, .promoted, .promoted])
            #expect(record.events.last?.kind == "train.released")
            let head = try #require(try await harness.engine.store.auditHead())
            #expect(record.auditHead == head && head.hash.count == 64)
            let markdown = ChangeRecordMarkdown.render(record)
            for heading in ["## 1. Reason for the change", "## 2. Security and risk impact", "## 3. Approvals", "## 4. Testing",
                            "## 5. The way back", "## 6. What happened in production", "row \(head.id), sha256 `\(head.hash)`"] {
                #expect(markdown.contains(heading), "the record lacks \(heading)")
            }
        }
    }

    @Test func aFailureRevertsTheServicesAlreadyOutNewestFirstAndTheirScripts() async throws {
        try await withTrain("train-revert", payin: "2026.48.1-bad") { harness, start in
            let ended = try await released(harness, start.id)
            #expect(ended.state == .rolledBack)
            #expect(ended.reason?.contains("payin 2026.48.1-bad rolled back") == true && ended.reason?.contains("boom: 2026.48.1-bad cannot open its ledger") == true,
                    "reason: \(ended.reason ?? "none")")
            let entries = try #require(ended.release?.entries)
            #expect(entries.map { "\($0.purpose.rawValue) \($0.service) \($0.version)" }
                    == ["deploy fx 2026.48.0", "deploy wallet 2026.48.0", "deploy payin 2026.48.1-bad", "revert wallet v1", "revert fx v1"])
            let reverts = try await entries.filter { $0.purpose == .revert }.asyncMap { try await harness.engine.rollouts.rollout(id: $0.rolloutID) }
            #expect(reverts.allSatisfy { $0.phase == .promoted })
            #expect(try await eventID(harness, reverts[0].id, "rollout.finished") < eventID(harness, reverts[1].id, "rollout.created"),
                    "wallet went back before fx")
            let stable = try await harness.engine.store.stableVersions()
            for service in ["fx", "wallet", "payin"] {
                #expect((stable[service] ?? [:]).values.allSatisfy { $0 == "v1" }, "\(service): \(stable[service] ?? [:])")
            }
            #expect(runningVersions(harness) == ["fx": ["v1"], "wallet": ["v1"], "payin": ["v1"]])
            #expect(!FileManager.default.fileExists(atPath: harness.folder + "/marker.txt"), "the script the train applied was rolled back")
            #expect(try await harness.engine.store.scripts().first?.state == .rolledBack)
            let kinds = try await harness.engine.rollouts.history(subject: "train:2026.48", limit: 200).map(\.kind)
            #expect(kinds.contains("train.release_reverting") && kinds.last == "train.rolled_back")
            let record = try await harness.engine.trains.record(train: "2026.48")
            #expect(record.production.phase == .rolledBack && record.production.reason?.contains("boom") == true)
            #expect(record.production.rollouts.map { "\($0.purpose.rawValue) \($0.service) \($0.phase.rawValue)" }
                    == ["deploy fx promoted", "deploy wallet promoted", "deploy payin rolled_back", "revert wallet promoted", "revert fx promoted"])
            #expect(record.wayBack.scripts.first?.state == "rolled_back")
        }
    }

    @Test func aChangeFreezeHoldsTheReleaseUntilItEndsAndAnApproverMayLetAHotfixThrough() async throws {
        let freezes = """
              blackouts:
                - { name: january-close, from: "2027-01-15 08:00", to: "2027-01-15 09:00" }
                - { name: payroll-run, from: "2027-01-15 10:00", to: "2027-01-15 11:00" }
            """
        try await withTrain("train-freeze", payin: "2026.48.2", trains: freezes) { harness, start in
            #expect(start.state == .production && start.release?.entries.isEmpty == true)
            try await harness.waitUntilSleeping(train: start.id)
            let waiting = try await harness.engine.trains.train(id: start.id)
            #expect(waiting.release?.entries.isEmpty == true && waiting.release?.reason?.contains("production frozen (january-close)") == true,
                    "\(waiting.release?.reason ?? "no reason")")
            #expect(try await harness.engine.rollouts.rollouts().isEmpty, "nothing deployed during the freeze")
            harness.clock.advance(by: 3599)
            #expect(try await harness.engine.rollouts.rollouts().isEmpty, "still frozen one second before the end")
            harness.clock.advance(by: 1)
            let after = try await released(harness, start.id)
            #expect(after.state == .done && after.release?.reason == nil)

            // In the next freeze, a regular train would wait; an approver lets a hotfix through, with the reason.
            harness.clock.advance(by: 3600 + 60)
            let hotfix = try await harness.engine.trains.create(id: "2026.48-hotfix.1", captain: "carol", services: ["payin": "2026.48.3"], kind: .hotfix,
                                                                fixes: start.id, actor: "alice")
            let gates = try await harness.engine.trains.gates(train: hotfix.id, to: .production)
            #expect(gates.first { $0.gate == .blackout }?.reason.contains("payroll-run") == true)
            do {
                _ = try await harness.engine.trains.override(train: start.id, gate: .blackout, reason: "x", actor: "bob")
                Issue.record("a regular train was let through a freeze")
            } catch let refusal as Refusal {
                #expect(refusal.kind == .forbidden || refusal.kind == .conflict, "\(refusal)")
            }
            for gate in gates where !gate.passes {
                _ = try await harness.engine.trains.override(train: hotfix.id, gate: gate.gate, reason: "fee rounding costs money every minute", actor: "bob")
            }
            _ = try await harness.engine.trains.skip(id: hotfix.id, to: .production, actor: "bob", isApprover: true, reason: "fee rounding")
            let fixed = try await released(harness, hotfix.id)
            #expect(fixed.state == .done && harness.clock.now() < Date(timeIntervalSince1970: 1_800_000_000 + 3 * 3600), "released inside the freeze")
            #expect(fixed.overrides.contains { $0.gate == .blackout && $0.by == "bob" })
        }
    }

    @Test func thePlansRulesChangeTheRolloutsStepsAndDC2WaitsForEveryServiceOfTheBatchToFinishDC1() async throws {
        // Wide scope halves the weight steps and doubles the bake; not backward-compatible holds dc2.
        let answers = RiskAnswers(scripts: false, rollbackable: true, backwardCompatible: false, scope: .wide)
        try await withTrain("train-adjusted", payin: "", services: ["fx": "2026.48.0", "wallet": "2026.48.0"], answers: answers,
                            configText: { Self.twoDatacenterConfig(folder: $0) }) { harness, start in
            #expect(start.release?.batches == [["fx", "wallet"]])
            #expect(start.release?.adjustments == RolloutAdjustments(weightFactor: 0.5, bakeFactor: 2, holdBefore: ["dc2"],
                                                                     reasons: start.release?.adjustments?.reasons ?? []))
            // Both rollouts bake in dc1 on the injected clock: 20 s, twice railyard.yml's 10 s.
            for _ in 0..<6000 where harness.clock.sleeperCount < 2 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(harness.clock.sleeperCount == 2, "both services bake in parallel")
            let baking = try await harness.engine.rollouts.rollouts()
            #expect(baking.count == 2 && baking.allSatisfy { $0.phase == .paused && $0.targets["dc1"]?.canaryWeight == 25 })
            for service in ["fx", "wallet"] {
                let groups = try await harness.engine.fleet.router(for: "dc1").snapshot().services[service] ?? []
                #expect(groups.first { $0.version == "2026.48.0" }?.weight == 25, "dc1's router sends 25% to the canary of \(service): \(groups)")
            }
            harness.clock.advance(by: 19)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await harness.engine.rollouts.rollouts().allSatisfy { $0.phase == .paused }, "still baking after 19 s")
            harness.clock.advance(by: 1)
            let ended = try await released(harness, start.id)
            #expect(ended.state == .done, "reason: \(ended.reason ?? "none")")
            let rollouts = try await ended.release!.entries.asyncMap { try await harness.engine.rollouts.rollout(id: $0.rolloutID) }
            #expect(rollouts.allSatisfy { $0.phase == .promoted && $0.adjustments?.holdBefore == ["dc2"] && $0.heldBefore == nil })
            // Neither went on to dc2 before both were held there, that is before both finished dc1.
            var held: [Int64] = [], letGo: [Int64] = []
            for rollout in rollouts {
                let events = try await harness.engine.rollouts.history(subject: rollout.id, limit: 200)
                held.append(try #require(events.first { $0.after == "awaiting_approval at dc2/deploy" }?.id))
                let release = try #require(events.first { $0.kind == "rollout.approved" && $0.actor == "railyard" })
                #expect(release.message.contains("go on to dc2"), "\(release.message)")
                letGo.append(try #require(release.id))
            }
            #expect(held.max()! < letGo.min()!, "a service went on to dc2 before the other had finished dc1")
            #expect(runningVersions(harness) == ["fx": ["2026.48.0"], "wallet": ["2026.48.0"]])
        }
    }

    func eventID(_ harness: EngineHarness, _ subject: String, _ kind: String) async throws -> Int64 {
        try #require(try await harness.engine.rollouts.history(subject: subject, limit: 500).first { $0.kind == kind }?.id)
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
