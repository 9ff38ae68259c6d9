import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Payment traffic through routers: the demo's steady load, and the tests' measured batches, so a
/// rollout faces real requests and a faulty version shows real failed payments.
public final class PaymentTraffic: Sendable {
    public struct Counts: Sendable, Equatable {
        public var sent = 0
        /// No answer, or an answer other than 2xx.
        public var failed = 0
        /// Answered by the canary group (the router's `x-railyard-group` header).
        public var canary = 0
        /// Wallet and FX requests sent beside the pay-ins (`withWalletAndFX`), and those that failed.
        public var companions = 0
        public var companionsFailed = 0
    }

    let state = Mutex(Counts())
    /// What the first failed requests got, so a failure can be told apart (a 502 of the router, a timeout, a 5xx).
    let firstFailures = Mutex<[String]>([])
    static let failuresKept = 5
    public let routers: [String]
    /// Each loop also opens a wallet and reads an FX rate, so those services' canaries see traffic too.
    public let withWalletAndFX: Bool

    /// `routers` are traffic URLs (`http://127.0.0.1:PORT`); pay-ins go to `/payin/payins` on each.
    public init(routers: [String], withWalletAndFX: Bool = false) {
        self.routers = routers
        self.withWalletAndFX = withWalletAndFX
    }

    public var counts: Counts { state.withLock { $0 } }

    /// The first failed requests (at most five): what was asked, and the status and body or the error that came back.
    public var failures: [String] { firstFailures.withLock { $0 } }

    /// The answer or error of a failed request, kept if it is among the first.
    func noteFailure(_ url: String, _ outcome: String) {
        firstFailures.withLock { kept in
            if kept.count < Self.failuresKept { kept.append("\(Date().formatted(.iso8601)) \(url): \(outcome)") }
        }
    }

    /// What a failed request got: the status and the start of the body, or the client's error.
    static func outcome(status: UInt, body: ByteBuffer?) -> String {
        let text = body.map { String(buffer: $0) } ?? ""
        return "\(status) \(text.prefix(300))"
    }

    /// Until cancelled: `loops` concurrent senders per router (`loopsPerRouter` for the routers it names),
    /// each pausing `interval` between requests.
    public func run(loops defaultLoops: Int = 3, interval: Duration = .milliseconds(15), loopsPerRouter: [String: Int] = [:]) async {
        await withTaskGroup(of: Void.self) { group in
            for router in routers {
                let loops = loopsPerRouter[router] ?? defaultLoops
                // Wallet and FX on loops of their own, so neither slows the pay-ins, nor each other, down.
                for loop in 0..<(withWalletAndFX ? loops : 0) {
                    group.addTask {
                        while !Task.isCancelled {
                            await self.companion(router + "/wallet/wallets", body: #"{"owner":"demo-\#(loop)","currency":"EUR"}"#)
                            try? await Task.sleep(for: interval)
                        }
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            await self.companion(router + "/fx/rates?from=EUR&to=USD", body: nil)
                            try? await Task.sleep(for: interval)
                        }
                    }
                }
                for loop in 0..<loops {
                    group.addTask {
                        var n = 0
                        while !Task.isCancelled {
                            n += 1
                            await self.payin(router: router, wallet: "w-\(loop)", amount: 1000 + n % 500)
                            try? await Task.sleep(for: interval)
                        }
                    }
                }
            }
        }
    }

    /// Exactly `count` pay-ins to each router, one after another; returns when all were answered.
    public func send(_ count: Int) async {
        for router in routers {
            for n in 0..<count { await payin(router: router, wallet: "w-batch", amount: 1000 + n % 500) }
        }
    }

    /// Waits (real time, at most `timeout`) until `requests` pay-ins were sent.
    public func waitFor(requests: Int, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while counts.sent < requests {
            guard ContinuousClock.now < deadline else { throw TrafficStalled(sent: counts.sent, expected: requests) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func payin(router: String, wallet: String, amount: Int) async {
        var request = HTTPClientRequest(url: router + "/payin/payins")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"wallet":"\#(wallet)","amount":\#(amount),"currency":"EUR"}"#))
        var failed = true, canary = false, outcome = ""
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let body = try? await response.body.collect(upTo: 1 << 16)
            failed = !(200..<300).contains(response.status.code)
            canary = response.headers.first(name: "x-railyard-group") == "canary"
            if failed { outcome = Self.outcome(status: response.status.code, body: body) }
        } catch {
            outcome = "no answer: \(error)"
        }
        // A request cut short by cancellation says nothing about the service.
        if Task.isCancelled && failed { return }
        if failed { noteFailure(router + "/payin/payins", outcome) }
        state.withLock { $0.sent += 1; if failed { $0.failed += 1 }; if canary { $0.canary += 1 } }
    }
}

extension PaymentTraffic {
    func companion(_ url: String, body: String?) async {
        var request = HTTPClientRequest(url: url)
        if let body {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        var failed = true, outcome = ""
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let body = try? await response.body.collect(upTo: 1 << 16)
            failed = !(200..<300).contains(response.status.code)
            if failed { outcome = Self.outcome(status: response.status.code, body: body) }
        } catch {
            outcome = "no answer: \(error)"
        }
        if Task.isCancelled && failed { return }
        if failed { noteFailure(url, outcome) }
        state.withLock { $0.companions += 1; if failed { $0.companionsFailed += 1 } }
    }
}

public struct TrafficStalled: Error, CustomStringConvertible {
    public let sent: Int, expected: Int
    public var description: String { "traffic stalled at \(sent) of \(expected) requests" }
}
