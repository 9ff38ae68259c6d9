import Foundation
import RailyardCore
import RailyardPorts

/// The schedule of train creation (`trains: cadence`): skipped runs and their resumption.
extension TrainRequests {
    public func schedule() async throws -> ScheduleState {
        guard let text = try await store.setting(ScheduleState.key) else { return ScheduleState() }
        return try JSONDecoder().decode(ScheduleState.self, from: Data(text.utf8))
    }

    /// Skips the scheduled creation of train `id` (a sprint's id), with the reason.
    public func skipRun(train id: String, reason: String, actor: String) async throws -> ScheduleState {
        guard config.trains.cadence != nil else { throw Refusal(.conflict, "railyard.yml sets no trains: cadence: no train is created on schedule") }
        guard Timetable(config.trains.timetable).sprint(ofTrain: id) != nil else {
            throw Refusal(.badRequest, "'\(id)' starts no sprint of the timetable (see railyard timetable)", field: "train")
        }
        if let existing = try await store.train(id: id) { throw Refusal(.conflict, "train \(id) already exists (\(existing.state.rawValue)): cancel it instead") }
        var state = try await schedule()
        state.skipped[id] = .init(reason: reason, by: actor, at: clock.now())
        try await save(state, event: AuditEvent(at: clock.now(), actor: actor, kind: "schedule.run_skipped", subject: "schedule",
                                                message: "the scheduled creation of train \(id) is skipped", reason: reason,
                                                before: "scheduled", after: "skipped"))
        return state
    }

    /// Resumes a skipped run; if its time has passed, the scheduler creates the train now.
    public func resumeRun(train id: String, actor: String, scheduler: TrainScheduler) async throws -> ScheduleState {
        var state = try await schedule()
        guard state.skipped.removeValue(forKey: id) != nil else { throw Refusal(.notFound, "the run of train \(id) is not skipped") }
        try await save(state, event: AuditEvent(at: clock.now(), actor: actor, kind: "schedule.run_resumed", subject: "schedule",
                                                message: "the scheduled creation of train \(id) is resumed", before: "skipped", after: "scheduled"))
        try await scheduler.tick()
        return state
    }

    func save(_ state: ScheduleState, event: AuditEvent) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try await store.save(setting: ScheduleState.key, value: String(decoding: try encoder.encode(state), as: UTF8.self), event: event)
    }
}
