/// An instance exposes no request counter of the configured name: a wrong name or a wrong endpoint, not
/// an idle service (that exposes the family with no samples, or samples at zero).
public struct CountersExtractionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Index of the instance in the list given to the extractor.
    public var instance: Int
    public var metric: String
    /// The families it does expose, to help spot a typo.
    public var available: [String]

    public init(instance: Int, metric: String, available: [String]) {
        self.instance = instance
        self.metric = metric
        self.available = available
    }

    public var description: String {
        let shown = available.prefix(10).joined(separator: ", ")
        let more = available.count > 10 ? ", …" : ""
        return "no metric named \"\(metric)\"" + (available.isEmpty ? " (no metrics at all)" : " (it exposes \(shown)\(more))")
    }
}
