import RailyardPorts
/// The routing entry of one service: its groups (immutable once built) plus the cursors that
/// walk them. Replaced whole on every change, never edited in place.
struct WeightedTable: Sendable {
    struct Entry: Sendable {
        let group: BackendGroup
        let counters: GroupTrafficCounters
    }

    let entries: [Entry]
    private var picker: SmoothWeightedPicker
    private var serverCursors: [Int]

    /// Builds a table, taking over the counters of `previous` groups with the same name and
    /// version: a weight change keeps counting, a new version starts from zero.
    init(groups: [BackendGroup], previous: WeightedTable?) {
        self.entries = groups.map { group in
            let kept = previous?.entries.first { $0.group.name == group.name && $0.group.version == group.version }
            return Entry(group: group, counters: kept?.counters ?? GroupTrafficCounters())
        }
        self.picker = SmoothWeightedPicker(weights: groups.map(\.weight))
        self.serverCursors = Array(repeating: 0, count: groups.count)
    }

    var groups: [BackendGroup] { entries.map(\.group) }

    /// Picks a group by weight, then the next of its servers in turn; nil when no group has weight.
    mutating func choose() -> Upstream? {
        guard let index = picker.next() else { return nil }
        let entry = entries[index]
        let servers = entry.group.servers
        guard !servers.isEmpty else { return nil }
        let server = servers[serverCursors[index] % servers.count]
        serverCursors[index] = (serverCursors[index] + 1) % servers.count
        return Upstream(server: server, group: entry.group.name, version: entry.group.version, counters: entry.counters)
    }

    func stats() -> [GroupStats] {
        entries.map { entry in
            GroupStats(
                name: entry.group.name,
                version: entry.group.version,
                weight: entry.group.weight,
                servers: entry.group.servers,
                requests: entry.counters.requests,
                errors: entry.counters.errors
            )
        }
    }
}
