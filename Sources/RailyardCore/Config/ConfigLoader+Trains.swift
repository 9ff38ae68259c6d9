import Foundation
import Yams

/// `trains:` — how a train's production release runs.
extension ConfigLoader {
    mutating func readTrains(_ node: Node) -> TrainsSpec {
        var spec = TrainsSpec()
        guard let fields = mapping(node, "trains") else { return spec }
        checkKeys(fields, allowed: ["parallel", "soak", "sprint_days", "sprint_start", "time_zone", "lanes", "blackouts", "cadence", "quality"], context: "trains")
        if let parallelNode = fields["parallel"] {
            if let value = parallelNode.int, TrainsSpec.parallelRange.contains(value) {
                spec.parallel = value
            } else {
                error(at: parallelNode, "trains: parallel must be a whole number from \(TrainsSpec.parallelRange.lowerBound) to "
                      + "\(TrainsSpec.parallelRange.upperBound): how many services of one dependency batch deploy at once")
            }
        }
        if let soakNode = fields["soak"], let stages = mapping(soakNode, "trains: soak") {
            let names = TrainsSpec.soakStages.map(\.rawValue)
            checkKeys(stages, allowed: names, context: "trains: soak (the stages a train soaks in)")
            for (keyNode, valueNode) in stages {
                guard let name = keyNode.string, let stage = TrainState(rawValue: name), TrainsSpec.soakStages.contains(stage) else { continue }
                guard let text = valueNode.string, let duration = DurationText.parse(text), duration > .zero else {
                    error(at: valueNode, "trains: soak: \(name) must be a duration such as 24h or 90m")
                    continue
                }
                spec.soak[stage] = duration
            }
        }
        readTimetable(fields, into: &spec.timetable)
        if let node = fields["quality"], let measures = mapping(node, "trains: quality") {
            let names = TrainsSpec.defaultQuality.map(\.name)
            checkKeys(measures, allowed: names, context: "trains: quality (a measure: {target, tolerable})")
            for (keyNode, valueNode) in measures {
                guard let name = keyNode.string, let index = spec.quality.firstIndex(where: { $0.name == name }) else { continue }
                guard let range = mapping(valueNode, "trains: quality: \(name)") else { continue }
                checkKeys(range, allowed: ["target", "tolerable"], context: "trains: quality: \(name)")
                var measure = spec.quality[index]
                for key in ["target", "tolerable"] {
                    guard let numberNode = range[key] else { continue }
                    guard let number = numberNode.float, number >= 0 else {
                        error(at: numberNode, "trains: quality: \(name): \(key) must be a number, 0 or more")
                        continue
                    }
                    if key == "target" { measure.target = number } else { measure.tolerable = number }
                }
                guard measure.tolerable >= measure.target else {
                    error(at: valueNode, "trains: quality: \(name): tolerable (\(measure.tolerable.formatted())) must be at least target (\(measure.target.formatted()))")
                    continue
                }
                spec.quality[index] = measure
            }
        }
        if let node = fields["cadence"], let cadence = mapping(node, "trains: cadence") {
            checkKeys(cadence, allowed: ["captain", "at"], context: "trains: cadence")
            if let captain = requiredString(cadence, "captain", in: node, context: "trains: cadence") {
                var parsed = TrainsSpec.Cadence(captain: captain)
                if let at = cadence["at"] {
                    let parts = (at.string ?? "").split(separator: ":").compactMap { Int($0) }
                    if parts.count == 2, (0...23).contains(parts[0]), (0...59).contains(parts[1]) {
                        parsed.hour = parts[0]
                        parsed.minute = parts[1]
                    } else {
                        error(at: at, "trains: cadence: at must be a local time such as \"09:00\"")
                    }
                }
                spec.cadence = parsed
            }
        }
        return spec
    }

    mutating func readTimetable(_ fields: Node.Mapping, into timetable: inout TimetableSpec) {
        if let node = fields["sprint_days"] {
            if let days = node.int, (1...60).contains(days) { timetable.sprintDays = days } else {
                error(at: node, "trains: sprint_days must be a whole number of days from 1 to 60, e.g. 14")
            }
        }
        if let node = fields["time_zone"] {
            if let name = node.string, let zone = TimeZone(identifier: name) { timetable.timeZone = zone } else {
                error(at: node, "trains: time_zone must be an IANA time zone such as Europe/Paris or UTC, not '\(node.string ?? "")'")
            }
        }
        if let node = fields["sprint_start"] {
            if let day = node.string.flatMap(Self.localDateTime), day.hour == nil { timetable.sprintStart = day } else {
                error(at: node, "trains: sprint_start must be a date on which a sprint starts, e.g. 2026-01-05")
            }
        }
        if let node = fields["lanes"], let lanes = mapping(node, "trains: lanes") {
            let stages = TimetableSpec.laneStages.map(\.rawValue)
            checkKeys(lanes, allowed: stages, context: "trains: lanes (stage: how many sprints behind the current one)")
            var parsed: [TimetableSpec.Lane] = []
            for (keyNode, valueNode) in lanes {
                guard let name = keyNode.string, let stage = TrainState(rawValue: name), stages.contains(name) else { continue }
                guard let behind = valueNode.int, (0...12).contains(behind) else {
                    error(at: valueNode, "trains: lanes: \(name) must be how many sprints behind the current one, 0 to 12")
                    continue
                }
                parsed.append(.init(stage: stage, sprintsBehind: behind))
            }
            timetable.lanes = parsed.sorted { (TrainState.order.firstIndex(of: $0.stage) ?? 0) < (TrainState.order.firstIndex(of: $1.stage) ?? 0) }
        }
        if let node = fields["blackouts"] {
            guard case .sequence(let items) = node else {
                error(at: node, "trains: blackouts must be a list of {name, from, to} or {name, month_end: DAYS}")
                return
            }
            for item in items {
                guard let entry = mapping(item, "trains: blackouts: each freeze") else { continue }
                checkKeys(entry, allowed: ["name", "from", "to", "month_end"], context: "trains: blackouts")
                guard let name = requiredString(entry, "name", in: item, context: "trains: blackouts") else { continue }
                if let daysNode = entry["month_end"] {
                    if let days = daysNode.int, (1...10).contains(days) {
                        timetable.blackouts.append(.init(name: name, window: .monthEnd(days: days)))
                    } else {
                        error(at: daysNode, "trains: blackouts: \(name): month_end must be how many last days of each month, 1 to 10")
                    }
                    continue
                }
                let from = entry["from"].flatMap { $0.string }.flatMap(Self.localDateTime)
                let to = entry["to"].flatMap { $0.string }.flatMap(Self.localDateTime)
                guard let from, let to else {
                    error(at: entry["from"] == nil || from == nil ? (entry["from"] ?? item) : (entry["to"] ?? item),
                          "trains: blackouts: \(name): give from and to as local date-times (2026-11-27 00:00), or month_end: DAYS")
                    continue
                }
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = timetable.timeZone
                if let a = calendar.date(from: from), let b = calendar.date(from: to), a >= b {
                    error(at: entry["to"] ?? item, "trains: blackouts: \(name): 'to' must come after 'from'")
                    continue
                }
                timetable.blackouts.append(.init(name: name, window: .once(from: from, to: to)))
            }
        }
    }

    /// `2026-11-27` (hour nil) or `2026-11-27 06:00`, as local date components.
    static func localDateTime(_ text: String) -> DateComponents? {
        let match = text.trimmingCharacters(in: .whitespaces).wholeMatch(of: #/(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?/#)
        guard let match, let year = Int(match.1), let month = Int(match.2), let day = Int(match.3), (1...12).contains(month), (1...31).contains(day) else {
            return nil
        }
        var components = DateComponents(year: year, month: month, day: day)
        if let hour = match.4.flatMap({ Int($0) }), let minute = match.5.flatMap({ Int($0) }) {
            guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
            components.hour = hour
            components.minute = minute
        }
        return components
    }
}
