import Foundation
import RailyardAdapters
import RailyardPorts
import RailyardCore
import Synchronization
import Testing

/// The SQLite backend of the store port, on a real file.
@Suite struct SQLStoreTests {
    func withStore(_ body: (any RailyardStore, String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-store-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await StoreFactory.open(.sqlite(path: folder + "/railyard.sqlite"))
        do { try await body(store, folder) } catch { try? await store.close(); throw error }
        try await store.close()
    }

    @Test func artifactsAreRecordedOnceQuarantineAndDurationsKeptLeasesNeverDoubleHeld() async throws {
        try await withStore { store, folder in
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            func event(_ kind: String) -> AuditEvent { AuditEvent(at: now, actor: "railyard", kind: kind, subject: "nightly", message: kind) }
            let artifact = ArtifactRecord(service: "payin", version: "2026.48.1", path: "/srv/dist/payin.bin", sha256: String(repeating: "a", count: 64),
                                          bytes: 10, builtAt: now, seconds: 1.5)
            try await store.save(artifact: artifact, event: event("nightly.built"))
            #expect(try await store.artifact(service: "payin", version: "2026.48.1") == artifact)
            #expect(try await store.artifact(service: "payin", version: "2026.48.2") == nil)
            var rebuilt = artifact
            rebuilt.sha256 = String(repeating: "b", count: 64)
            await #expect(throws: StoreConflict.self) { try await store.save(artifact: rebuilt, event: event("nightly.built")) }
            #expect(try await store.artifact(service: "payin", version: "2026.48.1")?.sha256 == artifact.sha256, "the first build stays")
            #expect(try await store.events(subject: "nightly", limit: 10).map(\.kind) == ["nightly.built"], "a refused record leaves no event")

            let entry = QuarantineEntry(test: "payments.payin.race", reason: "race", owner: "dave", expires: now.addingTimeInterval(86_400), by: "carol", at: now)
            var renewal = entry
            renewal.expires = now.addingTimeInterval(7 * 86_400)
            try await store.save(quarantine: entry, event: event("nightly.quarantined"))
            try await store.save(quarantine: renewal, event: event("nightly.quarantined"))
            #expect(try await store.quarantine() == [entry, renewal])

            try await store.save(durations: ["a": 1.5, "b": 0.25], suite: "payments")
            try await store.save(durations: ["a": 2, "c": 3], suite: "payments")
            #expect(try await store.durations(suite: "payments") == ["a": 2, "c": 3])
            #expect(try await store.durations(suite: "other") == [:])

            // A lease: held by one holder until it expires; renewed by its holder; free once released.
            #expect(try await store.acquireLease("nightly", holder: "run-1", until: now.addingTimeInterval(600), now: now))
            #expect(try await store.acquireLease("nightly", holder: "run-2", until: now.addingTimeInterval(600), now: now.addingTimeInterval(10)) == false)
            #expect(try await store.acquireLease("nightly", holder: "run-1", until: now.addingTimeInterval(1200), now: now.addingTimeInterval(10)))
            #expect(try await store.acquireLease("nightly", holder: "run-2", until: now.addingTimeInterval(1800), now: now.addingTimeInterval(900)) == false,
                    "still held: the renewal moved the end")
            // Another server on the same file (a restart) finds the lease still there.
            let reopened = try await StoreFactory.open(.sqlite(path: folder + "/railyard.sqlite"))
            #expect(try await reopened.acquireLease("nightly", holder: "run-2", until: now.addingTimeInterval(1800), now: now.addingTimeInterval(60)) == false)
            #expect(try await reopened.acquireLease("nightly", holder: "run-2", until: now.addingTimeInterval(3000), now: now.addingTimeInterval(1200)),
                    "expired: another holder takes it")
            try await reopened.releaseLease("nightly", holder: "run-1")
            #expect(try await reopened.acquireLease("nightly", holder: "run-3", until: now.addingTimeInterval(3000), now: now.addingTimeInterval(1300)) == false,
                    "run-1 no longer held it: its release changes nothing")
            try await reopened.releaseLease("nightly", holder: "run-2")
            #expect(try await reopened.acquireLease("nightly", holder: "run-3", until: now.addingTimeInterval(3000), now: now.addingTimeInterval(1300)))
            try await reopened.close()
        }
    }

    @Test func rolloutsSurviveReopeningAndMigrationsRunOnce() async throws {
        try await withStore { store, folder in
            var record = RolloutRecord(id: "payin-v2-0001", service: "payin", version: "v2", createdBy: "alice", at: Date(timeIntervalSince1970: 1000))
            record.targets["dc1"] = TargetProgress(stableVersion: "v1", deployed: true, canaryWeight: 30)
            record.appliedScripts = ["001"]
            try await store.save(record, events: [AuditEvent(at: record.createdAt, actor: "alice", kind: "rollout.created", subject: record.id, message: "created")])
            record.phase = .awaitingApproval
            try await store.save(record, events: [])

            let reopened = try await StoreFactory.open(.sqlite(path: folder + "/railyard.sqlite"))
            #expect(try await reopened.rollout(id: record.id) == record)
            #expect(try await reopened.activeRollouts().map(\.id) == [record.id])
            record.phase = .promoted
            try await reopened.save(record, events: [])
            #expect(try await reopened.activeRollouts().isEmpty)
            #expect(try await reopened.rollouts(limit: 10).count == 1)
            try await reopened.close()
        }
    }

    @Test func aRolloutIsStoredOnlyInPlaceOfTheRecordItWasDecidedOn() async throws {
        try await withStore { store, _ in
            // A fraction of a second no timestamp column keeps: the check compares records, not times.
            let read = RolloutRecord(id: "payin-v2-0002", service: "payin", version: "v2", createdBy: "alice",
                                     at: Date(timeIntervalSinceReferenceDate: 817_000_000.123_456_789))
            try await store.save(read, events: [])
            func event(_ kind: String) -> AuditEvent { AuditEvent(at: read.createdAt, actor: "test", kind: kind, subject: read.id, message: kind) }

            var approved = read
            approved.phase = .awaitingApproval
            approved.updatedAt = read.updatedAt.addingTimeInterval(0.000_123)
            try await store.save(approved, replacing: read, events: [event("rollout.first")])

            // A second writer that read the same record as the first: refused, and nothing of it written.
            var aborted = read
            aborted.phase = .rollingBack
            await #expect(throws: StaleWrite.self) { try await store.save(aborted, replacing: read, events: [event("rollout.second")]) }
            #expect(try await store.rollout(id: read.id) == approved)
            #expect(try await store.events(subject: read.id, limit: 10).map(\.kind) == ["rollout.first"])

            // Decided again on what is stored, it lands; the record read back replaces as well as the one written.
            try await store.save(aborted, replacing: approved, events: [event("rollout.second")])
            let stored = try #require(try await store.rollout(id: read.id))
            var promoted = stored
            promoted.phase = .promoted
            try await store.save(promoted, replacing: stored, events: [])
            #expect(try await store.rollout(id: read.id)?.phase == .promoted)

            // A rollout never stored has nothing to replace.
            var unknown = read
            unknown.id = "payin-v9-0000"
            await #expect(throws: StaleWrite.self) { try await store.save(unknown, replacing: unknown, events: []) }
            #expect(try await store.rollout(id: unknown.id) == nil)
        }
    }

    @Test func aRolloutIsCreatedOnlyWhileNoOtherOfItsServiceIsActive() async throws {
        try await withStore { store, _ in
            let at = Date(timeIntervalSince1970: 1_800_000_000)
            func event(_ id: String) -> AuditEvent { AuditEvent(at: at, actor: "test", kind: "rollout.created", subject: id, message: id) }
            var first = RolloutRecord(id: "payin-v2-0001", service: "payin", version: "v2", createdBy: "alice", at: at)
            try await store.create(first, events: [event(first.id)])
            // Another deploy of payin (two requests past the engine's check at once): refused, nothing written.
            let second = RolloutRecord(id: "payin-v3-0002", service: "payin", version: "v3", createdBy: "bob", at: at)
            await #expect(throws: StoreConflict.self) { try await store.create(second, events: [event(second.id)]) }
            #expect(try await store.rollout(id: second.id) == nil)
            #expect(try await store.events(subject: second.id, limit: 10).isEmpty)
            // Another service is not held up; the same id twice is refused.
            try await store.create(RolloutRecord(id: "wallet-v2-0003", service: "wallet", version: "v2", createdBy: "bob", at: at), events: [])
            await #expect(throws: StoreConflict.self) { try await store.create(first, events: []) }
            // Once the first has ended, payin's next rollout is created.
            let read = first
            first.phase = .promoted
            try await store.save(first, replacing: read, events: [])
            try await store.create(second, events: [event(second.id)])
            #expect(try await store.activeRollouts().map(\.id).sorted() == ["payin-v3-0002", "wallet-v2-0003"])
        }
    }

    @Test func aTrainIsStoredOnlyInPlaceOfTheRecordItWasDecidedOn() async throws {
        try await withStore { store, _ in
            let read = TrainRecord(id: "2026.48", captain: "carol", createdBy: "alice", at: Date(timeIntervalSinceReferenceDate: 817_000_000.987_654_321))
            func event(_ kind: String) -> AuditEvent { AuditEvent(at: read.createdAt, actor: "test", kind: kind, subject: "train:2026.48", message: kind) }
            try await store.create(read, events: [event("train.created")])
            // A second create of the same id (two requests racing past the engine's check): refused, the first kept, nothing audited.
            var twin = read
            twin.captain = "mallory"
            await #expect(throws: StoreConflict.self) { try await store.create(twin, events: [event("train.created_again")]) }
            #expect(try await store.train(id: read.id)?.captain == "carol")
            #expect(try await store.events(subject: "train:2026.48", limit: 10).map(\.kind) == ["train.created"])

            var planned = read
            planned.captain = "dave"
            try await store.save(planned, replacing: read, events: [event("train.first")])
            // The release's write and a ticket merge, both decided on the first read: refused, nothing of them written.
            var other = read
            other.updatedAt = read.updatedAt.addingTimeInterval(60)
            await #expect(throws: StaleWrite.self) { try await store.save(other, replacing: read, events: [event("train.second")]) }
            let ticket = Ticket(id: "PAY-1", title: "fees", type: "story", owner: "dave", services: ["payin"])
            await #expect(throws: StaleWrite.self) { try await store.save(tickets: [ticket], of: other, replacing: read, read: [], event: event("ticket.merged")) }
            #expect(try await store.train(id: read.id) == planned)
            #expect(try await store.tickets(train: read.id).isEmpty)
            #expect(try await store.events(subject: "train:2026.48", limit: 10).map(\.kind) == ["train.created", "train.first"])

            // Decided again on what is stored, both land.
            let stored = try #require(try await store.train(id: read.id))
            var merged = stored
            merged.updatedAt = stored.updatedAt.addingTimeInterval(60)
            try await store.save(tickets: [ticket], of: merged, replacing: stored, read: [], event: event("ticket.merged"))
            #expect(try await store.train(id: read.id) == merged && merged.captain == "dave")
            #expect(try await store.tickets(train: read.id).map(\.id) == ["PAY-1"])

            // Two answers to one ticket, each decided on the tickets as they were: the second is refused, the first kept.
            var first = ticket
            first.answers.scripts = true
            var second = ticket
            second.answers.rollbackable = false
            try await store.save(tickets: [first], of: merged, replacing: merged, read: [ticket], event: event("train.ticket_answered"))
            await #expect(throws: StaleWrite.self) {
                try await store.save(tickets: [second], of: merged, replacing: merged, read: [ticket], event: event("train.ticket_answered"))
            }
            #expect(try await store.tickets(train: read.id) == [first])
        }
    }

    @Test func anAnalysisIsSavedWithTheEventsThatAnnounceIt() async throws {
        try await withStore { store, _ in
            var analysis = AnalysisRecord(id: "payin-v2-0003-dc1-1", rolloutID: "payin-v2-0003", service: "payin", target: "dc1", baselineVersion: "v1",
                                          canaryVersion: "v2", spec: .default, startedAt: Date(timeIntervalSince1970: 1000))
            try await store.save(analysis)
            #expect(try await store.events(subject: "payin-v2-0003", limit: 10).isEmpty)
            analysis.verdict = .fail
            analysis.reason = "error-rate 8.0% vs 0.0%"
            let events = [AuditEvent(at: analysis.startedAt, actor: "railyard", kind: "analysis.fail", subject: "payin-v2-0003", message: "fail",
                                     reason: analysis.reason)]
            try await store.save(analysis, events: events)
            #expect(try await store.analysis(id: analysis.id) == analysis)
            #expect(try await store.events(subject: "payin-v2-0003", limit: 10).map(\.reason) == ["error-rate 8.0% vs 0.0%"])
        }
    }

    @Test func aReaderNeverSeesHalfOfATransaction() async throws {
        try await withStore { store, _ in
            var record = RolloutRecord(id: "payin-v2-0002", service: "payin", version: "v2", createdBy: "alice", at: Date(timeIntervalSince1970: 1000))
            try await store.save(record, events: [AuditEvent(at: record.createdAt, actor: "alice", kind: "rollout.created", subject: record.id, message: "0")])
            let writerDone = Mutex(false)
            let writer = Task { [record] in
                defer { writerDone.withLock { $0 = true } }
                var record = record
                for step in 1...150 {
                    record.rollbackDone = step
                    try await store.save(record, events: [AuditEvent(at: record.createdAt, actor: "railyard", kind: "rollout.step", subject: record.id, message: "\(step)")])
                }
            }
            // The rollout and its event are saved together: once the rollout shows step n, event n is in the log.
            var torn: [Int] = []
            var seen = 0
            // Until the last step is seen, or the writer stopped (a writer that threw fails at `writer.value`).
            while seen < 150 && !writerDone.withLock({ $0 }) {
                seen = try await store.rollout(id: record.id)?.rollbackDone ?? 0
                let messages = Set(try await store.events(subject: record.id, limit: 500).map(\.message))
                if !messages.contains("\(seen)") { torn.append(seen) }
            }
            try await writer.value
            #expect(torn.isEmpty, "the rollout was read without its event at steps \(torn)")
            record.rollbackDone = 150
            #expect(try await store.rollout(id: record.id) == record)
        }
    }

    @Test func theAuditLogIsAppendOnlyInOrderAndFilteredBySubject() async throws {
        try await withStore { store, _ in
            for index in 0..<5 {
                try await store.append(AuditEvent(at: Date(timeIntervalSince1970: Double(index)), actor: "railyard", kind: "k\(index)",
                                                  subject: index % 2 == 0 ? "a" : "b", message: "m\(index)", reason: index == 3 ? "why" : nil))
            }
            let all = try await store.events(subject: nil, limit: 100)
            #expect(all.map(\.kind) == ["k0", "k1", "k2", "k3", "k4"])
            #expect(all.compactMap(\.id) == all.compactMap(\.id).sorted())
            #expect(try await store.events(subject: "b", limit: 100).map(\.message) == ["m1", "m3"])
            #expect(try await store.events(subject: "b", limit: 100).last?.reason == "why")
            #expect(try await store.events(subject: nil, limit: 2).map(\.kind) == ["k3", "k4"], "the newest, oldest first")
        }
    }

    @Test func instancesRoutersScriptsAndStableVersionsUpsert() async throws {
        try await withStore { store, _ in
            var instance = InstanceRecord(id: "payin-v1-dc1-4000", service: "payin", version: "v1", target: "dc1", port: 4000,
                                          logPath: "/tmp/x.log", state: .starting, startedAt: Date(timeIntervalSince1970: 5))
            try await store.save(instance)
            instance.pid = 1234
            instance.pidStart = "99"
            instance.state = .running
            try await store.save(instance)
            #expect(try await store.instances(includeStopped: false) == [instance])
            instance.state = .stopped
            try await store.save(instance)
            #expect(try await store.instances(includeStopped: false).isEmpty)
            #expect(try await store.instances(includeStopped: true).first?.pid == 1234)

            let router = RouterRecord(target: "dc1", port: 1, adminPort: 2, pid: 3, pidStart: "4", logPath: "l", stateFile: "s", running: true)
            try await store.save(router)
            #expect(try await store.routers() == [router])

            try await store.save(ScriptRecord(name: "001", checksum: "abc", state: .applied, rolloutID: "r1", at: Date(timeIntervalSince1970: 1)))
            try await store.save(ScriptRecord(name: "001", checksum: "abc", state: .rolledBack, rolloutID: "r2", at: Date(timeIntervalSince1970: 2)))
            #expect(try await store.scripts().map(\.state) == [.rolledBack])

            try await store.setStableVersion(service: "payin", target: "dc1", version: "v1")
            try await store.setStableVersion(service: "payin", target: "dc1", version: "v2")
            try await store.setStableVersion(service: "fx", target: "dc2", version: "v7")
            #expect(try await store.stableVersions() == ["payin": ["dc1": "v2"], "fx": ["dc2": "v7"]])
        }
    }
}
