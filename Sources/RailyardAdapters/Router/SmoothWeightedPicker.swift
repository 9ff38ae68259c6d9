/// nginx's smooth weighted round-robin.
///
/// Each pick adds every weight to its running score, takes the highest score and subtracts the
/// total from it. Over any run of `sum(weights)` picks every index is chosen exactly `weight`
/// times, and the picks are spread out (80/20 gives s,s,s,s,c rather than 80 s then 20 c), so the
/// split a canary sees is exact and deterministic, not a coin toss.
struct SmoothWeightedPicker: Sendable {
    let weights: [Int]
    private let total: Int
    private var scores: [Int]

    init(weights: [Int]) {
        self.weights = weights
        self.total = weights.reduce(0) { $0 + max($1, 0) }
        self.scores = Array(repeating: 0, count: weights.count)
    }

    /// The next index, or nil when no weight is positive (no traffic).
    mutating func next() -> Int? {
        guard total > 0 else { return nil }
        var best = -1
        for index in weights.indices where weights[index] > 0 {
            scores[index] += weights[index]
            if best < 0 || scores[index] > scores[best] {
                best = index
            }
        }
        scores[best] -= total
        return best
    }
}
