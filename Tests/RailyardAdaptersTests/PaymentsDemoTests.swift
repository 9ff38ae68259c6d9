import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Logging
@testable import PaymentsDemo
import ServiceLifecycle
import Testing

/// Runs real demo services on loopback port 0 and talks to them over HTTP, as Railyard will.
@Suite("PaymentsDemo")
struct PaymentsDemoTests {
    // MARK: - Endpoints

    @Test func healthReportsServiceAndVersion() async throws {
        try await withDemoServer(.payin, "v2") { base in
            let reply = try await Self.send(.GET, "\(base)/health")
            #expect(reply.status == 200)
            let json = try reply.object()
            #expect(json["status"] as? String == "ok")
            #expect(json["service"] as? String == "payin")
            #expect(json["version"] as? String == "v2")
        }
    }

    @Test func payinRoundTrip() async throws {
        try await withDemoServer(.payin, "v1") { base in
            let created = try await Self.send(.POST, "\(base)/payins", json: #"{"wallet":"w-1","amount":1000,"currency":"EUR"}"#)
            #expect(created.status == 201)
            let payin = try created.object()
            #expect(payin["status"] as? String == "captured")
            #expect(payin["amount"] as? Int == 1000)
            let id = try #require(payin["id"] as? String)

            let fetched = try await Self.send(.GET, "\(base)/payins/\(id)")
            #expect(fetched.status == 200)
            #expect(try fetched.object()["wallet"] as? String == "w-1")

            _ = try await Self.send(.POST, "\(base)/payins", json: #"{"wallet":"w-1","amount":250,"currency":"EUR"}"#)
            let balances = try await Self.send(.GET, "\(base)/balances/w-1")
            #expect(try balances.object()["balances"] as? [String: Int] == ["EUR": 1250])

            #expect(try await Self.send(.GET, "\(base)/payins/pi-999").status == 404)
        }
    }

    @Test func badJSONIsA400WithAMessage() async throws {
        try await withDemoServer(.payin, "v1") { base in
            let malformed = try await Self.send(.POST, "\(base)/payins", json: "{not json")
            #expect(malformed.status == 400)
            #expect((try malformed.object()["error"] as? String)?.hasPrefix("invalid JSON") == true)

            let missing = try await Self.send(.POST, "\(base)/payins", json: #"{"wallet":"w-1","currency":"EUR"}"#)
            #expect(missing.status == 400)
            #expect((try missing.object()["error"] as? String)?.contains("'amount'") == true)
        }
    }

    @Test func walletCreateAndGet() async throws {
        try await withDemoServer(.wallet, "v1") { base in
            let created = try await Self.send(.POST, "\(base)/wallets", json: #"{"owner":"alice","currency":"EUR"}"#)
            #expect(created.status == 201)
            let wallet = try created.object()
            #expect(wallet["balance"] as? Int == 0)
            #expect(wallet["owner"] as? String == "alice")
            let id = try #require(wallet["id"] as? String)
            let fetched = try await Self.send(.GET, "\(base)/wallets/\(id)")
            #expect(fetched.status == 200)
            #expect(try fetched.object()["currency"] as? String == "EUR")

            let unsupported = try await Self.send(.POST, "\(base)/wallets", json: #"{"owner":"bob","currency":"XYZ"}"#)
            #expect(unsupported.status == 422)
        }
    }

    @Test func payoutRefusesNonPositiveAmounts() async throws {
        try await withDemoServer(.payout, "v1") { base in
            let refused = try await Self.send(.POST, "\(base)/payouts", json: #"{"wallet":"w-1","amount":0,"currency":"EUR"}"#)
            #expect(refused.status == 422)
            #expect((try refused.object()["reason"] as? String)?.contains("greater than zero") == true)

            let paid = try await Self.send(.POST, "\(base)/payouts", json: #"{"wallet":"w-1","amount":500,"currency":"GBP"}"#)
            #expect(paid.status == 201)
        }
    }

    @Test func fxRatesAndConversions() async throws {
        try await withDemoServer(.fx, "v1") { base in
            let rate = try await Self.send(.GET, "\(base)/rates?from=EUR&to=USD")
            #expect(rate.status == 200)
            #expect(try rate.object()["rate"] as? Double == 1.08)

            let toUSD = try await Self.send(.POST, "\(base)/convert", json: #"{"amount":1000,"from":"EUR","to":"USD"}"#)
            #expect(try toUSD.object()["converted"] as? Int == 1080)
            // Yen have no minor unit: 10.00 EUR is 1600 JPY.
            let toJPY = try await Self.send(.POST, "\(base)/convert", json: #"{"amount":1000,"from":"EUR","to":"JPY"}"#)
            #expect(try toJPY.object()["converted"] as? Int == 1600)

            #expect(try await Self.send(.GET, "\(base)/rates?from=EUR").status == 400)
        }
    }

    @Test func coreTakesAndReturnsPayments() async throws {
        try await withDemoServer(.core, "2026.48") { base in
            let created = try await Self.send(.POST, "\(base)/payments", json: #"{"amount":4200,"currency":"CHF","method":"card"}"#)
            #expect(created.status == 201)
            let id = try #require(try created.object()["id"] as? String)
            let fetched = try await Self.send(.GET, "\(base)/payments/\(id)")
            #expect(try fetched.object()["amount"] as? Int == 4200)

            let unknown = try await Self.send(.POST, "\(base)/payments", json: #"{"amount":1,"currency":"EUR","method":"cheque"}"#)
            #expect(unknown.status == 422)
        }
    }

    // MARK: - Behaviour

    @Test func failureRateFailsExactlyThatShareAndMetricsCountIt() async throws {
        let behaviour = VersionBehaviour(failureRate: 0.04)
        try await withDemoServer(.payin, "v2", behaviour: behaviour) { base in
            var statuses: [Int: Int] = [:]
            for _ in 0..<100 {
                let reply = try await Self.send(.POST, "\(base)/payins", json: #"{"wallet":"w-1","amount":1000,"currency":"EUR"}"#)
                statuses[reply.status, default: 0] += 1
                if reply.status == 500 {
                    #expect((try reply.object()["error"] as? String)?.hasPrefix("injected fault: ") == true)
                }
            }
            #expect(statuses == [201: 96, 500: 4])

            let metrics = try await Self.send(.GET, "\(base)/metrics").body
            #expect(metrics.contains(#"http_requests_total{route="/payins",method="POST",status="500"} 4"#))
            #expect(metrics.contains(#"http_requests_total{route="/payins",method="POST",status="201"} 96"#))
            #expect(metrics.contains(#"http_request_duration_seconds_count{route="/payins"} 100"#))
            #expect(metrics.contains(#"demo_build_info{service="payin",version="v2"} 1.0"#))
        }
    }

    @Test func extraLatencyDelaysPaymentRoutesOnly() async throws {
        try await withDemoServer(.fx, "v2", behaviour: VersionBehaviour(extraLatencyMs: 30)) { base in
            let clock = ContinuousClock()
            let slow = try await clock.measure {
                _ = try await Self.send(.POST, "\(base)/convert", json: #"{"amount":1000,"from":"EUR","to":"USD"}"#)
            }
            #expect(slow >= .milliseconds(30))
        }
    }

    @Test func slowRateDelaysExactlyThatShareAndTheHistogramShowsTheTail() async throws {
        // One payment in 10 takes 300 ms more: requests 10 and 20 of 20. Only lower bounds on time are
        // asserted (a loaded machine may make anything slower, never faster).
        try await withDemoServer(.payin, "v2", behaviour: VersionBehaviour(slowRate: 0.1, slowLatencyMs: 300)) { base in
            let clock = ContinuousClock()
            for n in 1...20 {
                let started = clock.now
                let reply = try await Self.send(.POST, "\(base)/payins", json: #"{"wallet":"w-1","amount":1000,"currency":"EUR"}"#)
                #expect(reply.status == 201, "slow, not failed")
                if n % 10 == 0 { #expect(clock.now - started >= .milliseconds(300), "request \(n) is one of the slow ones") }
            }
            let metrics = try await Self.send(.GET, "\(base)/metrics").body
            let bucket = { (le: String) in
                metrics.split(separator: "\n").first { $0.hasPrefix("http_request_duration_seconds_bucket{") && $0.contains(#"route="/payins""#)
                    && $0.contains(#"le="\#(le)""#) }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
            }
            #expect(bucket("+Inf") == 20)
            #expect((bucket("+Inf") ?? 0) - (bucket("0.25") ?? 0) >= 2, "the 2 slow ones above 250 ms in the histogram:\n\(metrics)")
        }
        let table = try BehaviourFile.parse("payin:\n  v5: { slow_rate: 0.05, slow_latency_ms: 300 }\n", path: "b.yml")
        #expect(BehaviourFile.behaviour(for: .payin, version: "v5", in: table) == VersionBehaviour(slowRate: 0.05, slowLatencyMs: 300))
        #expect(throws: BehaviourFileError.self) { try BehaviourFile.parse("payin: { v5: { slow_rate: 2 } }", path: "b.yml") }
    }

    @Test func latencySpreadSpreadsTheAddedLatencyOverAWholeDistribution() throws {
        // 1,000 requests: median 5 ms, log-latency with the spread asked for, none the same as the next.
        let each = (1...1_000).map { FaultInjector.extraLatencyMs(request: $0, median: 5, spread: 0.5) }
        let logs = each.map { log($0 / 5) }
        let mean = logs.reduce(0, +) / 1_000, sd = (logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 1_000).squareRoot()
        #expect(abs(each.sorted()[499] - 5) < 0.1 && abs(mean) < 0.02 && abs(sd - 0.5) < 0.03, "median \(each.sorted()[499]), mean log \(mean), sd \(sd)")
        // Through the demo's buckets they fill 2.5–5, 5–10 and beyond, as a histogram needs to read a shift.
        #expect(each.filter { $0 <= 2.5 }.count > 50 && each.filter { $0 > 10 }.count > 50)
        #expect(FaultInjector.extraLatencyMs(request: 7, median: 5, spread: 0) == 5, "no spread: every request the same")
        let table = try BehaviourFile.parse("payin:\n  v8: { extra_latency_ms: 5, latency_spread: 0.5 }\n", path: "b.yml")
        #expect(BehaviourFile.behaviour(for: .payin, version: "v8", in: table) == VersionBehaviour(extraLatencyMs: 5, latencySpread: 0.5))
        #expect(throws: BehaviourFileError.self) { try BehaviourFile.parse("payin: { v8: { latency_spread: -1 } }", path: "b.yml") }
    }

    @Test func declineRateDeclinesPayinsWith402AndTheBusinessCountersCountThem() async throws {
        // One pay-in in 5 declined: requests 5 and 10 of 10. No 5xx, yet 2 failed payments.
        try await withDemoServer(.payin, "v2", behaviour: VersionBehaviour(declineRate: 0.2)) { base in
            let before = try await Self.send(.GET, "\(base)/metrics").body
            #expect(before.contains("payins_total 0") && before.contains("payins_failed_total 0"), "exposed from the start:\n\(before)")
            var statuses: [Int: Int] = [:]
            for _ in 0..<10 {
                let reply = try await Self.send(.POST, "\(base)/payins", json: #"{"wallet":"w-1","amount":1000,"currency":"EUR"}"#)
                statuses[reply.status, default: 0] += 1
            }
            #expect(statuses == [201: 8, 402: 2])
            let metrics = try await Self.send(.GET, "\(base)/metrics").body
            #expect(metrics.contains("payins_total 10") && metrics.contains("payins_failed_total 2"), "\(metrics)")
            #expect(!metrics.contains(#"status="5"#), "no 5xx")
        }
    }

    @Test func metricsTextParsesLineByLine() async throws {
        try await withDemoServer(.wallet, "v1") { base in
            _ = try await Self.send(.POST, "\(base)/wallets", json: #"{"owner":"alice","currency":"EUR"}"#)
            _ = try await Self.send(.POST, "\(base)/wallets", json: "nope")
            _ = try await Self.send(.GET, "\(base)/wallets/w-1")
            _ = try await Self.send(.GET, "\(base)/no/such/route")
            _ = try await Self.send(.GET, "\(base)/metrics")

            let reply = try await Self.send(.GET, "\(base)/metrics")
            #expect(reply.contentType?.hasPrefix("text/plain; version=0.0.4") == true)
            let name = #"[a-zA-Z_:][a-zA-Z0-9_:]*"#
            let label = #"[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*""#
            let sample = try Regex(#"^(\#(name))\{\#(label)(?:,\#(label))*\} (\S+)$"#)
            let comment = try Regex(#"^# (HELP|TYPE) \#(name) .+$"#)

            let lines = reply.body.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.last == "")
            for line in lines.dropLast() {
                if line.hasPrefix("#") {
                    #expect(line.wholeMatch(of: comment) != nil, "bad comment line: \(line)")
                } else {
                    let match = line.wholeMatch(of: sample)
                    #expect(match != nil, "bad sample line: \(line)")
                    if let value = line.split(separator: " ").last {
                        #expect(Double(value) != nil, "bad value: \(line)")
                    }
                }
            }
            #expect(reply.body.contains(#"# TYPE http_request_duration_seconds histogram"#))
            #expect(reply.body.contains(#"http_requests_total{route="/wallets",method="POST",status="400"} 1"#))
            #expect(reply.body.contains(#"http_requests_total{route="/wallets/{id}",method="GET",status="200"} 1"#))
            #expect(reply.body.contains(#"status="404"} 1"#))
            #expect(reply.body.contains(#"http_request_duration_seconds_bucket{route="/wallets",le="+Inf"} 2"#))
        }
    }

    // MARK: - Behaviour file

    @Test func behaviourFileLoadsAndDefaultsToHealthy() throws {
        let path = try writeTemporary("""
            payin:
              v2: { failure_rate: 0.04 }
              v3: {}
            fx:
              v2: { extra_latency_ms: 30 }
            """)
        let table = try BehaviourFile.load(path: path)
        #expect(BehaviourFile.behaviour(for: .payin, version: "v2", in: table) == VersionBehaviour(failureRate: 0.04))
        #expect(BehaviourFile.behaviour(for: .payin, version: "v3", in: table) == .healthy)
        #expect(BehaviourFile.behaviour(for: .fx, version: "v2", in: table) == VersionBehaviour(extraLatencyMs: 30))
        #expect(BehaviourFile.behaviour(for: .core, version: "v9", in: table) == .healthy)
    }

    @Test func oneInstanceBehavesSoInTheFirstProcessToClaimItAlone() throws {
        let path = try writeTemporary("""
            payin:
              v2: { extra_latency_ms: 20, latency_spread: 1.0, slow_rate: 1.0, slow_latency_ms: 80, failure_rate: 0.1, healthy_requests: 5, one_instance: true }
              v3: { extra_latency_ms: 60 }
            """)
        defer { for version in ["v2", "v3"] { try? FileManager.default.removeItem(atPath: "\(path).payin.\(version).claimed") } }
        let table = try BehaviourFile.load(path: path)
        let faulty = VersionBehaviour(failureRate: 0.1, extraLatencyMs: 20, healthyRequests: 5, slowRate: 1, slowLatencyMs: 80, latencySpread: 1,
                                      oneInstance: true)
        #expect(BehaviourFile.behaviour(for: .payin, version: "v2", in: table) == faulty)
        let first = BehaviourFile.behaviour(for: .payin, version: "v2", in: table, file: path)
        let second = BehaviourFile.behaviour(for: .payin, version: "v2", in: table, file: path)
        #expect(first == faulty, "the first claims the faults")
        #expect(second == VersionBehaviour(extraLatencyMs: 20, latencySpread: 1), "the next keeps the version's latency, without the faults: \(second)")
        let claim = try String(contentsOfFile: "\(path).payin.v2.claimed", encoding: .utf8)
        #expect(claim == "\(getpid())\n", "the claim names its process: \(claim)")
        // Without one_instance every process behaves so, and nothing is claimed.
        #expect(BehaviourFile.behaviour(for: .payin, version: "v3", in: table, file: path).extraLatencyMs == 60)
        #expect(BehaviourFile.behaviour(for: .payin, version: "v3", in: table, file: path).extraLatencyMs == 60)
        #expect(!FileManager.default.fileExists(atPath: "\(path).payin.v3.claimed"))

        let noFaults = try writeTemporary("payin:\n  v7: { settlement_ms: 80, slow_rate: 1.0,\n        one_instance: true }\n")
        let nothingToGive = try #require(throws: BehaviourFileError.self) { try BehaviourFile.load(path: noFaults) }
        #expect(nothingToGive.line == 3 && nothingToGive.key == "payin.v7.one_instance"
                && nothingToGive.description.contains("one_instance gives one instance the version's faults, and it has none"), "\(nothingToGive)")

        let notABool = try writeTemporary("payin:\n  v2: { one_instance: 1 }\n")
        let error = try #require(throws: BehaviourFileError.self) { try BehaviourFile.load(path: notABool) }
        #expect(error.line == 2 && error.key == "payin.v2.one_instance" && error.description.contains("expected true or false"), "\(error)")
    }

    @Test func behaviourFileUnknownKeyNamesFileLineAndKey() throws {
        let path = try writeTemporary("""
            payin:
              v2:
                failur_rate: 0.04
            """)
        let error = try #require(throws: BehaviourFileError.self) { try BehaviourFile.load(path: path) }
        #expect(error.line == 3)
        #expect(error.key == "payin.v2.failur_rate")
        #expect(error.description.hasPrefix("\(path):3: payin.v2.failur_rate: unknown key"))
    }

    @Test func behaviourFileWrongTypeAndUnknownServiceAreErrors() throws {
        let wrongType = try writeTemporary("""
            fx:
              v2: { extra_latency_ms: "slow" }
            """)
        let typeError = try #require(throws: BehaviourFileError.self) { try BehaviourFile.load(path: wrongType) }
        #expect(typeError.line == 2)
        #expect(typeError.key == "fx.v2.extra_latency_ms")

        let outOfRange = try writeTemporary("payin: { v2: { failure_rate: 1.5 } }")
        #expect(throws: BehaviourFileError.self) { try BehaviourFile.load(path: outOfRange) }

        let unknownService = try writeTemporary("\n\nledger:\n  v1: {}\n")
        let serviceError = try #require(throws: BehaviourFileError.self) { try BehaviourFile.load(path: unknownService) }
        #expect(serviceError.line == 3)
        #expect(serviceError.key == "ledger")
    }

    // MARK: - Helpers

    struct Reply {
        var status: Int
        var contentType: String?
        var body: String

        func object() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        }
    }

    /// Starts the service on an OS-chosen loopback port, runs `body` against it, then shuts it down gracefully
    /// (as SIGTERM would), waiting until the server has stopped.
    func withDemoServer(
        _ service: DemoService,
        _ version: String,
        behaviour: VersionBehaviour = .healthy,
        _ body: (_ baseURL: String) async throws -> Void
    ) async throws {
        let options = PaymentsDemoOptions(service: service, version: version, port: 0, behaviour: behaviour)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = PaymentsDemoServer.makeApplication(options) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let serviceGroup = ServiceGroup(
            configuration: .init(services: [app], logger: Logger(label: "payments-demo-tests"))
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Finishing the stream unblocks the wait below if the server fails to start.
                defer { continuation.finish() }
                try await serviceGroup.run()
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next(), "server did not start")
            try await body("http://127.0.0.1:\(port)")
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    /// One request to a demo service (the scrape tests use it too).
    @discardableResult
    static func send(_ method: HTTPMethod, _ url: String, json: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return Reply(
            status: Int(response.status.code),
            contentType: response.headers.first(name: "Content-Type"),
            body: String(buffer: buffer)
        )
    }

    func writeTemporary(_ yaml: String) throws -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("payments-demo-behaviour-\(UUID().uuidString).yml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
