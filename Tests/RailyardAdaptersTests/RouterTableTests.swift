import Foundation
import Testing

@testable import RailyardAdapters
import RailyardPorts

/// The router's pure parts: the weighted choice, the table swap, validation, path splitting.
@Suite("Built-in router table")
struct RouterTableTests {
    @Test("smooth weighted round-robin follows nginx's sequence")
    func nginxSequence() {
        var picker = SmoothWeightedPicker(weights: [5, 1, 1])
        let picks = (0..<7).map { _ in picker.next()! }
        #expect(picks == [0, 0, 1, 0, 2, 0, 0])
    }

    @Test("every cycle of 100 picks is split exactly by weight", arguments: [[80, 20], [50, 50], [1, 99], [33, 33, 34], [0, 100]])
    func exactSplit(weights: [Int]) {
        var picker = SmoothWeightedPicker(weights: weights)
        for _ in 0..<3 {
            var counts = Array(repeating: 0, count: weights.count)
            for _ in 0..<100 { counts[picker.next()!] += 1 }
            #expect(counts == weights)
        }
    }

    @Test("no weight means no pick")
    func noTraffic() {
        var picker = SmoothWeightedPicker(weights: [0, 0])
        #expect(picker.next() == nil)
        var empty = SmoothWeightedPicker(weights: [])
        #expect(empty.next() == nil)
    }

    @Test("counters survive a weight change, a new version starts at zero")
    func countersSurviveWeightChange() {
        let table = RouteTable(initial: .empty) { _ in }
        _ = try? table.apply(service: "fx", groups: [
            BackendGroup(name: "stable", version: "v1", weight: 50, servers: ["127.0.0.1:1"]),
            BackendGroup(name: "canary", version: "v2", weight: 50, servers: ["127.0.0.1:2"]),
        ])
        for _ in 0..<10 { _ = table.pick(service: "fx") }
        _ = try? table.apply(service: "fx", groups: [
            BackendGroup(name: "stable", version: "v1", weight: 10, servers: ["127.0.0.1:1"]),
            BackendGroup(name: "canary", version: "v3", weight: 90, servers: ["127.0.0.1:3"]),
        ])
        let snapshot = table.snapshot()
        let requests = snapshot.services["fx"]?.map(\.requests)
        #expect(requests == [5, 0])
        #expect(snapshot.generation == 2)
    }

    @Test("round-robin among a group's servers")
    func serverRoundRobin() {
        let table = RouteTable(initial: .empty) { _ in }
        _ = try? table.apply(service: "core", groups: [
            BackendGroup(name: "stable", version: "v1", weight: 100, servers: ["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"]),
        ])
        let servers = (0..<6).map { _ -> String in
            guard case .upstream(let upstream) = table.pick(service: "core") else { return "-" }
            return upstream.server
        }
        #expect(servers == ["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"])
    }

    @Test("a change that cannot be kept does not take effect")
    func persistFailureKeepsTable() {
        struct DiskFull: Error {}
        let table = RouteTable(initial: .empty) { state in
            if state.generation > 1 { throw DiskFull() }
        }
        let first = [BackendGroup(name: "stable", version: "v1", weight: 100, servers: ["127.0.0.1:1"])]
        _ = try? table.apply(service: "fx", groups: first)
        #expect(throws: DiskFull.self) {
            try table.apply(service: "fx", groups: [BackendGroup(name: "stable", version: "v2", weight: 100, servers: ["127.0.0.1:2"])])
        }
        let snapshot = table.snapshot()
        let versions = snapshot.services["fx"]?.map(\.version)
        #expect(versions == ["v1"])
        #expect(snapshot.generation == 1)
    }

    @Test("removing a service bumps the generation once")
    func removal() throws {
        let table = RouteTable(initial: .empty) { _ in }
        _ = try table.apply(service: "fx", groups: [BackendGroup(name: "stable", version: "v1", weight: 100, servers: ["127.0.0.1:1"])])
        let removed = try table.remove(service: "fx")
        let again = try table.remove(service: "fx")
        #expect(removed.services.isEmpty && removed.generation == 2)
        #expect(again.generation == 2)
        guard case .unknownService = table.pick(service: "fx") else {
            Issue.record("fx should be gone")
            return
        }
    }

    @Test("validation accepts a routable split and all-zero weights")
    func validGroups() {
        let split = [
            BackendGroup(name: "stable", version: "v1", weight: 95, servers: ["127.0.0.1:8080"]),
            BackendGroup(name: "canary", version: "v2", weight: 5, servers: ["localhost:8081"]),
        ]
        #expect(RouteValidator.problem(service: "payin", groups: split) == nil)
        let idle = [BackendGroup(name: "stable", version: "v1", weight: 0, servers: [])]
        #expect(RouteValidator.problem(service: "payin", groups: idle) == nil)
        #expect(RouteValidator.problem(service: "payin", groups: []) == nil)
    }

    @Test("validation names the problem", arguments: [
        ("payin", [("stable", 60, "127.0.0.1:1"), ("canary", 30, "127.0.0.1:2")], "sum to 90"),
        ("payin", [("stable", 101, "127.0.0.1:1")], "within 0...100"),
        ("payin", [("stable", 100, "nohost")], "not host:port"),
        ("payin", [("stable", 100, "127.0.0.1:70000")], "not host:port"),
        ("payin", [("", 100, "127.0.0.1:1")], "empty name"),
        ("pay/in", [("stable", 100, "127.0.0.1:1")], "may only contain"),
    ])
    func invalidGroups(service: String, groups: [(String, Int, String)], reason: String) {
        let candidate = groups.map { BackendGroup(name: $0.0, version: "v1", weight: $0.1, servers: [$0.2]) }
        let problem = RouteValidator.problem(service: service, groups: candidate)
        #expect(problem?.contains(reason) == true, "\(problem ?? "no problem found")")
    }

    @Test("splits the request target into service and upstream target", arguments: [
        ("/payin/v1/pay?x=1", "payin", "/v1/pay?x=1"),
        ("/payin", "payin", "/"),
        ("/payin/", "payin", "/"),
        ("/payin?x=1", "payin", "/?x=1"),
        ("/", "", "/"),
    ])
    func proxyPath(target: String, service: String, upstream: String) throws {
        let path = try #require(ProxyPath(target))
        #expect(path.service == service)
        #expect(path.upstreamTarget == upstream)
    }

    @Test("a state file round-trips and a corrupt one is refused")
    func stateFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("router-state-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = RouterStateFile(path: path)
        #expect(try file.load() == .empty)
        let state = RouterState(generation: 4, services: [
            "fx": [BackendGroup(name: "stable", version: "v1", weight: 100, servers: ["127.0.0.1:9"])],
        ])
        try file.save(state)
        #expect(try file.load() == state)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: RouterError.self) { try file.load() }
    }

    @Test("free ports are valid loopback ports")
    func freePorts() throws {
        let first = try FreePort.next()
        let second = try FreePort.next()
        #expect((1024...65535).contains(first))
        #expect((1...65535).contains(second))
    }
}
