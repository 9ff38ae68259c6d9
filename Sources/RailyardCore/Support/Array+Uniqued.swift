extension Array where Element: Equatable {
    /// The elements in order, each once (its first place kept): small lists of names, so a linear scan.
    public func uniqued() -> [Element] {
        reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }
}
