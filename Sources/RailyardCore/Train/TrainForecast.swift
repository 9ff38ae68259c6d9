import Foundation

/// A train's validation timeline and target production date: the timetable's plan, what already
/// happened, and a re-forecast of what is left from the measured stage durations of past trains
/// (the median, with the fastest and slowest as the range).
public struct TrainForecast: Codable, Sendable, Equatable {
    public struct Stage: Codable, Sendable, Equatable {
        public var stage: TrainState
        /// From the timetable's lanes; nil for a stage without a lane, or a train id that names no sprint.
        public var planned: Date?
        public var actual: Date?
        public var expected: Date?
        public var earliest: Date?
        public var latest: Date?
    }

    public var train: String
    /// How many past trains the durations come from.
    public var basedOn: Int
    public var stages: [Stage]

    public var production: Stage? { stages.first { $0.stage == .production } }

    static let path: [TrainState] = [.planned, .development, .nightly, .testing, .perf, .ready, .production]

    public static func make(_ train: TrainRecord, history: [TrainRecord], timetable: Timetable) -> TrainForecast {
        let past = history.filter { $0.id != train.id && $0.kind == .regular && $0.state == .done }
        // Measured durations from entering each stage to entering the next.
        var durations: [TrainState: [TimeInterval]] = [:]
        for record in past {
            for (from, to) in zip(path, path.dropFirst()) {
                if let a = record.entered(from), let b = record.entered(to), b >= a { durations[from, default: []].append(b.timeIntervalSince(a)) }
            }
        }
        var planned: [TrainState: Date] = [:]
        if let sprint = timetable.sprint(ofTrain: train.id) {
            for (stage, at) in timetable.plannedStages(ofSprint: sprint) { planned[stage] = at }
        }
        var stages: [Stage] = []
        var expected: Date?, earliest: Date?, latest: Date?
        for (index, stage) in path.enumerated() where stage != .planned {
            let previous = path[index - 1]
            var entry = Stage(stage: stage, planned: planned[stage], actual: train.entered(stage))
            if let actual = entry.actual {
                (expected, earliest, latest) = (actual, actual, actual)
            } else if let anchor = expected ?? train.entered(previous) ?? (previous == .planned ? train.createdAt : nil) {
                let lowAnchor = earliest ?? anchor, highAnchor = latest ?? anchor
                if let measured = durations[previous], !measured.isEmpty {
                    let sorted = measured.sorted()
                    let median = measured.median!
                    (expected, earliest, latest) = (anchor.addingTimeInterval(median), lowAnchor.addingTimeInterval(sorted.first!),
                                                    highAnchor.addingTimeInterval(sorted.last!))
                } else if let plan = planned[stage] {
                    // No measure yet: the timetable's date, or now-ish if the train is late on it.
                    let at = max(plan, anchor)
                    (expected, earliest, latest) = (at, max(plan, lowAnchor), max(plan, highAnchor))
                }
                entry.expected = expected
                entry.earliest = earliest
                entry.latest = latest
            }
            stages.append(entry)
        }
        return TrainForecast(train: train.id, basedOn: past.count, stages: stages)
    }
}
