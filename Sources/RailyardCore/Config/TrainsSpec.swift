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

    /// A measure of a released train's quality (Reldex-style): at most `target` scores 1, at most
    /// `tolerable` scores 0.5, more scores 0.
    public struct QualityTarget: Sendable, Equatable {
        public var name: String
        public var target: Double
        public var tolerable: Double
        public init(_ name: String, target: Double, tolerable: Double) {
            self.name = name
            self.target = target
            self.tolerable = tolerable
        }
    }
    /// The measures, in the order they are shown, with the seed's targets: no hotfix, no rollback, a
    /// week of validation, no soak extended.
    public static let defaultQuality: [QualityTarget] = [
        .init("hotfixes", target: 0, tolerable: 1), .init("rollbacks", target: 0, tolerable: 1),
        .init("validation_days", target: 5, tolerable: 10), .init("soak_extensions", target: 0, tolerable: 1),
    ]
    public var quality: [QualityTarget] = TrainsSpec.defaultQuality

    public init(parallel: Int = 2, soak: [TrainState: Duration] = [:], timetable: TimetableSpec = TimetableSpec()) {
        self.parallel = parallel
        self.soak = soak
        self.timetable = timetable
    }
}
