import Yams

/// `trains:` — how a train's production release runs.
extension ConfigLoader {
    mutating func readTrains(_ node: Node) -> TrainsSpec {
        var spec = TrainsSpec()
        guard let fields = mapping(node, "trains") else { return spec }
        checkKeys(fields, allowed: ["parallel", "soak"], context: "trains")
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
        return spec
    }
}
