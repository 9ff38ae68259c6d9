import AsyncHTTPClient
import Foundation
import NIOCore

/// The payment fleet's non-regression suite: a real client exercising wallet, pay-in, pay-out and FX
/// through a router, as the nightly runs it (`railyard payments-suite`). Each test is one call chain
/// with its checks; a failed check throws with what was expected and what came back.
public enum NonRegressionSuite {
    public struct Case: Sendable {
        public let classname: String
        public let name: String
        let body: @Sendable (Client) async throws -> Void
        public var id: String { "\(classname).\(name)" }
    }

    public struct Outcome: Sendable {
        public let test: Case
        public let seconds: Double
        /// nil when it passed.
        public let failure: String?
    }

    /// What a test talks to: the router, and which attempt this is (0, then the re-run rounds).
    public struct Client: Sendable {
        public let router: String
        public let attempt: Int

        func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> (Int, [String: Any]) {
            var request = HTTPClientRequest(url: router + path)
            request.method = .init(rawValue: method)
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let data = try await response.body.collect(upTo: 1 << 20)
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: data))) as? [String: Any] ?? [:]
            return (Int(response.status.code), json)
        }
    }

    struct CheckFailed: Error, CustomStringConvertible {
        let description: String
    }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw CheckFailed(description: message()) }
    }

    public static let cases: [Case] = [
        Case(classname: "payments.wallet", name: "createsAnEmptyWalletAndReadsItBack") { client in
            let (created, wallet) = try await client.call("POST", "/wallet/wallets", #"{"owner":"nightly","currency":"EUR"}"#)
            try check(created == 201, "POST /wallet/wallets answered \(created), expected 201")
            let id = wallet["id"] as? String ?? ""
            let (status, read) = try await client.call("GET", "/wallet/wallets/\(id)")
            try check(status == 200 && read["owner"] as? String == "nightly" && read["balance"] as? Int == 0,
                      "GET /wallet/wallets/\(id) answered \(status) \(read), expected owner nightly and balance 0")
        },
        Case(classname: "payments.payin", name: "capturesAndCreditsTheLedger") { client in
            let wallet = "w-nightly-\(UUID().uuidString.prefix(8))"
            let (status, payin) = try await client.call("POST", "/payin/payins", #"{"wallet":"\#(wallet)","amount":1250,"currency":"EUR"}"#)
            try check(status == 201 && payin["status"] as? String == "captured", "POST /payin/payins answered \(status) \(payin), expected 201 captured")
            let (_, balances) = try await client.call("GET", "/payin/balances/\(wallet)")
            try check((balances["balances"] as? [String: Any])?["EUR"] as? Int == 1250, "balance of \(wallet) is \(balances), expected EUR 1250")
        },
        Case(classname: "payments.payin", name: "refusesANegativeAmount") { client in
            let (status, _) = try await client.call("POST", "/payin/payins", #"{"wallet":"w-1","amount":-5,"currency":"EUR"}"#)
            try check(status == 422, "a pay-in of -5 answered \(status), expected 422")
        },
        // Flaky on purpose, and why: the balance is read as soon as the first of two concurrent pay-ins
        // is captured, so it only sees both when the second one has landed by then. A first attempt
        // lets the second pay-in go only once the read is answered (the race lost, as it is under
        // load); a re-run waits for both (the fix), so the nightly records it as flaky, not failed.
        Case(classname: "payments.payin", name: "balanceSeesConcurrentPayins") { client in
            let wallet = "w-race-\(UUID().uuidString.prefix(8))"
            let (readDone, signal) = AsyncStream<Void>.makeStream()
            let loseTheRace = client.attempt == 0
            let second = Task {
                if loseTheRace { for await _ in readDone { break } }
                return try await client.call("POST", "/payin/payins", #"{"wallet":"\#(wallet)","amount":300,"currency":"EUR"}"#).0
            }
            _ = try await client.call("POST", "/payin/payins", #"{"wallet":"\#(wallet)","amount":700,"currency":"EUR"}"#)
            if !loseTheRace { _ = try await second.value }
            let (_, balances) = try await client.call("GET", "/payin/balances/\(wallet)")
            signal.yield()
            signal.finish()
            _ = try? await second.value
            let seen = (balances["balances"] as? [String: Any])?["EUR"] as? Int ?? 0
            try check(seen == 1000, "balance of \(wallet) read as \(seen) while two pay-ins (700 + 300) were captured: the read raced the second capture")
        },
        Case(classname: "payments.payout", name: "paysOutFromAWallet") { client in
            let (status, payout) = try await client.call("POST", "/payout/payouts", #"{"wallet":"w-nightly","amount":500,"currency":"EUR"}"#)
            try check((200..<300).contains(status), "POST /payout/payouts answered \(status) \(payout)")
            let id = payout["id"] as? String ?? ""
            let (read, _) = try await client.call("GET", "/payout/payouts/\(id)")
            try check(read == 200, "GET /payout/payouts/\(id) answered \(read)")
        },
        Case(classname: "payments.fx", name: "convertsInMinorUnitsWithoutDrift") { client in
            let (status, conversion) = try await client.call("POST", "/fx/convert", #"{"amount":1000,"from":"EUR","to":"USD"}"#)
            try check(status == 200, "POST /fx/convert answered \(status) \(conversion)")
            let (_, rate) = try await client.call("GET", "/fx/rates?from=EUR&to=USD")
            let expected = Int(((rate["rate"] as? Double ?? 0) * 1000).rounded())
            try check(conversion["converted"] as? Int == expected, "1000 EUR cents converted to \(conversion["converted"] ?? "nothing"), expected \(expected) at \(rate)")
        },
    ]

    /// Runs the tests named in `only` (all when nil), one after the other.
    public static func run(router: String, attempt: Int, only: Set<String>?) async -> [Outcome] {
        var outcomes: [Outcome] = []
        let client = Client(router: router, attempt: attempt)
        for test in cases where only?.contains(test.id) ?? true {
            let started = ContinuousClock.now
            var failure: String?
            do { try await test.body(client) } catch { failure = "\(error)" }
            let elapsed = ContinuousClock.now - started
            outcomes.append(Outcome(test: test, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                                    failure: failure))
        }
        return outcomes
    }

    /// The outcomes as JUnit XML, in the layout Surefire writes (testsuite, testcase, failure).
    public static func junitXML(_ outcomes: [Outcome], suite: String = "payments") -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "\n", with: "&#10;")
        }
        let failures = outcomes.filter { $0.failure != nil }.count
        let total = outcomes.reduce(0) { $0 + $1.seconds }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuite name=\"\(escape(suite))\" tests=\"\(outcomes.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\" time=\"\(String(format: "%.3f", total))\">\n"
        for outcome in outcomes {
            let head = "  <testcase classname=\"\(escape(outcome.test.classname))\" name=\"\(escape(outcome.test.name))\" time=\"\(String(format: "%.3f", outcome.seconds))\""
            if let failure = outcome.failure {
                xml += head + ">\n    <failure message=\"\(escape(failure))\" type=\"check\">\(escape(failure))</failure>\n  </testcase>\n"
            } else {
                xml += head + "/>\n"
            }
        }
        return xml + "</testsuite>\n"
    }
}
