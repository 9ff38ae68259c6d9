/// The order services deploy in when it matters: providers before consumers, as `depends_on` says.
public enum ServiceOrder {
    public enum Result: Sendable, Equatable {
        /// Batches in order; the services of a batch depend on none of each other.
        case layers([[String]])
        /// A cycle, named from one of its services back to it.
        case cycle([String])
    }

    /// Kahn's layering of `services` (only those); dependencies outside them are already deployed.
    public static func layers(of services: [String], dependsOn: [String: [String]]) -> Result {
        var remaining = Set(services)
        var layers: [[String]] = []
        while !remaining.isEmpty {
            let ready = remaining.filter { service in (dependsOn[service] ?? []).allSatisfy { !remaining.contains($0) } }.sorted()
            guard !ready.isEmpty else { return .cycle(cycle(in: remaining, dependsOn: dependsOn)) }
            layers.append(ready)
            remaining.subtract(ready)
        }
        return .layers(layers)
    }

    /// Follows dependencies inside `remaining` (where every service waits on another) until one repeats.
    static func cycle(in remaining: Set<String>, dependsOn: [String: [String]]) -> [String] {
        var path: [String] = []
        var current = remaining.sorted().first!
        while !path.contains(current) {
            path.append(current)
            current = (dependsOn[current] ?? []).filter { remaining.contains($0) }.sorted().first!
        }
        return Array(path[path.firstIndex(of: current)!...])
    }
}
