import RailyardPorts
/// Checks a service's groups before they reach the table; answers the first problem in words an
/// operator can act on, or nil when the groups are routable.
enum RouteValidator {
    static func problem(service: String, groups: [BackendGroup]) -> String? {
        if let problem = serviceNameProblem(service) { return problem }
        var seen: Set<String> = []
        for group in groups {
            if group.name.isEmpty {
                return "a group of service '\(service)' has an empty name"
            }
            if !seen.insert(group.name).inserted {
                return "group name '\(group.name)' appears twice in service '\(service)'; group names must be unique"
            }
            if !(0...100).contains(group.weight) {
                return "group '\(group.name)' of service '\(service)' has weight \(group.weight); weights must be within 0...100"
            }
            if group.weight > 0 && group.servers.isEmpty {
                return "group '\(group.name)' of service '\(service)' has weight \(group.weight) but no servers"
            }
            for server in group.servers where !isHostPort(server) {
                return "server '\(server)' of group '\(group.name)' of service '\(service)' is not host:port"
            }
        }
        let sum = groups.reduce(0) { $0 + $1.weight }
        if sum != 100 && sum != 0 {
            return "weights of service '\(service)' sum to \(sum); they must sum to 100 (or all be 0 for no traffic)"
        }
        return nil
    }

    /// The service name is the first path segment of every proxied request, so it must be one.
    private static func serviceNameProblem(_ service: String) -> String? {
        if service.isEmpty { return "service name is empty" }
        let allowed = service.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                return true
            default:
                return false
            }
        }
        return allowed ? nil : "service name '\(service)' may only contain letters, digits, '-', '_' and '.'"
    }

    private static func isHostPort(_ server: String) -> Bool {
        guard let colon = server.lastIndex(of: ":") else { return false }
        let host = server[..<colon]
        guard let port = Int(server[server.index(after: colon)...]), (1...65535).contains(port) else { return false }
        return !host.isEmpty && !host.contains(where: { $0 == "/" || $0 == " " || $0 == "?" || $0 == "#" || $0 == "@" })
    }
}
