import Foundation

/// `trains:` timetable settings: sprint length, the first day of a sprint, the time zone the
/// release calendar lives in, the lanes (which sprint's train is in which stage), and the change
/// freezes.
public struct TimetableSpec: Sendable, Equatable {
    /// A stage and how many sprints behind the current one its train is (the seed: development N,
    /// nightly N, testing N-1, perf N-2, production N-3).
    public struct Lane: Sendable, Equatable {
        public var stage: TrainState
        public var sprintsBehind: Int
        public init(stage: TrainState, sprintsBehind: Int) {
            self.stage = stage
            self.sprintsBehind = sprintsBehind
        }
    }

    /// A change freeze: production releases wait for it to end (a hotfix may be let through by an approver).
    public struct Blackout: Sendable, Equatable {
        public enum Window: Sendable, Equatable {
            /// From one local date-time to another.
            case once(from: DateComponents, to: DateComponents)
            /// The last `days` days of every month.
            case monthEnd(days: Int)
        }
        public var name: String
        public var window: Window
        public init(name: String, window: Window) {
            self.name = name
            self.window = window
        }
    }

    public var sprintDays: Int
    /// A day on which a sprint starts (year, month, day), in `timeZone`.
    public var sprintStart: DateComponents
    public var timeZone: TimeZone
    public var lanes: [Lane]
    public var blackouts: [Blackout]

    public static let defaultLanes: [Lane] = [Lane(stage: .development, sprintsBehind: 0), Lane(stage: .nightly, sprintsBehind: 0),
                                              Lane(stage: .testing, sprintsBehind: 1), Lane(stage: .perf, sprintsBehind: 2),
                                              Lane(stage: .production, sprintsBehind: 3)]
    public static let laneStages: [TrainState] = [.development, .nightly, .testing, .perf, .ready, .production]

    public init(sprintDays: Int = 14, sprintStart: DateComponents = DateComponents(year: 2026, month: 1, day: 5),
                timeZone: TimeZone = TimeZone(identifier: "UTC")!, lanes: [Lane] = defaultLanes, blackouts: [Blackout] = []) {
        self.sprintDays = sprintDays
        self.sprintStart = sprintStart
        self.timeZone = timeZone
        self.lanes = lanes
        self.blackouts = blackouts
    }
}
