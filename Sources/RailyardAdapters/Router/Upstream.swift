/// The backend one request was sent to, chosen under the table lock and then used without it:
/// a request in flight keeps its choice even if the table is swapped meanwhile.
struct Upstream: Sendable {
    let server: String
    let group: String
    let version: String
    let counters: GroupTrafficCounters
}
