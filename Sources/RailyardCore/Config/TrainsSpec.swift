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

    public init(parallel: Int = 2, soak: [TrainState: Duration] = [:], timetable: TimetableSpec = TimetableSpec()) {
        self.parallel = parallel
        self.soak = soak
        self.timetable = timetable
    }
}
