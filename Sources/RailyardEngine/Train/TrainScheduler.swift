import Foundation
import RailyardCore
import RailyardPorts
import ServiceLifecycle

/// Creates each sprint's train on schedule (`trains: cadence`), as Tramline's scheduled releases do:
/// on the sprint's first day at the configured local time, with the configured captain and the
/// previous train's checklist. A run a release owner skipped is not created until resumed. After a
/// restart the current sprint's run is made if it was missed; older sprints are not.
public actor TrainScheduler: Service {
    static let actor = "railyard:schedule"
    let config: RailyardConfig
    let store: any RailyardStore
    let clock: any WallClock
    let trains: TrainRequests
    let timetable: Timetable

    init(config: RailyardConfig, store: any RailyardStore, clock: any WallClock, trains: TrainRequests) {
        self.config = config
        self.store = store
        self.clock = clock
        self.trains = trains
        self.timetable = Timetable(config.trains.timetable)
    }

    public func run() async throws {
        guard let cadence = config.trains.cadence else {
            // No schedule: nothing to do until the server stops.
            try? await gracefulShutdown()
            return
        }
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    _ = try await self.tick()
                    try await self.clock.sleep(until: await self.nextRun(after: self.clock.now(), cadence: cadence))
                }
            }
        } catch is CancellationError {
            return
        }
    }

    /// The next moment a scheduled train is due, strictly after `date`.
    func nextRun(after date: Date, cadence: TrainsSpec.Cadence) -> Date {
        var index = timetable.sprint(containing: date)
        while timetable.creation(ofSprint: index, hour: cadence.hour, minute: cadence.minute) <= date { index += 1 }
        return timetable.creation(ofSprint: index, hour: cadence.hour, minute: cadence.minute)
    }

    /// Creates the current sprint's train if its time has come, it does not exist and its run is not skipped.
    @discardableResult
    public func tick() async throws -> TrainRecord? {
        guard let cadence = config.trains.cadence else { return nil }
        let now = clock.now()
        let index = timetable.sprint(containing: now)
        guard now >= timetable.creation(ofSprint: index, hour: cadence.hour, minute: cadence.minute) else { return nil }
        let id = timetable.trainID(ofSprint: index)
        guard try await store.train(id: id) == nil, try await trains.schedule().skipped[id] == nil else { return nil }
        do {
            return try await trains.create(id: id, captain: cadence.captain, services: [:], actor: Self.actor)
        } catch let refusal as Refusal where refusal.kind == .conflict {
            // A person created this sprint's train since the check: theirs stands, and the schedule carries on
            // (an error out of `run` would stop the server).
            return nil
        }
    }
}
