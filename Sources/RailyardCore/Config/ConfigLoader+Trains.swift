import Yams

/// `trains:` — how a train's production release runs.
extension ConfigLoader {
    mutating func readTrains(_ node: Node) -> TrainsSpec {
        var spec = TrainsSpec()
        guard let fields = mapping(node, "trains") else { return spec }
        checkKeys(fields, allowed: ["parallel"], context: "trains")
        if let parallelNode = fields["parallel"] {
            if let value = parallelNode.int, TrainsSpec.parallelRange.contains(value) {
                spec.parallel = value
            } else {
                error(at: parallelNode, "trains: parallel must be a whole number from \(TrainsSpec.parallelRange.lowerBound) to "
                      + "\(TrainsSpec.parallelRange.upperBound): how many services of one dependency batch deploy at once")
            }
        }
        return spec
    }
}
