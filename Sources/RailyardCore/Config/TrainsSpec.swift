/// `trains:` — how a train's production release runs.
public struct TrainsSpec: Sendable, Equatable {
    /// How many services of one dependency batch deploy at once.
    public var parallel: Int
    public static let parallelRange = 1...16
    /// How long a train soaks in a stage after entering it or its last change, before it may leave.
    public var soak: [TrainState: Duration]
    /// The stages a soak can be set on.
    public static let soakStages: [TrainState] = [.development, .nightly, .testing, .perf, .ready]

    /// The release calendar: sprints, lanes, freezes.
    public var timetable: TimetableSpec
    /// Each sprint's train is created on its first day at this local time, with this captain; nil: by hand only.
    public var cadence: Cadence?

    public struct Cadence: Sendable, Equatable {
        public var captain: String
        /// Hour and minute, local to the timetable's time zone.
        public var hour: Int
        public var minute: Int
        public init(captain: String, hour: Int = 9, minute: Int = 0) {
            self.captain = captain
            self.hour = hour
            self.minute = minute
        }
    }

    public init(parallel: Int = 2, soak: [TrainState: Duration] = [:], timetable: TimetableSpec = TimetableSpec()) {
        self.parallel = parallel
        self.soak = soak
        self.timetable = timetable
    }
}
