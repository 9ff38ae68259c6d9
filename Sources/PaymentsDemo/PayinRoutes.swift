import Hummingbird
import Metrics
import Synchronization

/// The pay-in service: captures money into a wallet and books it in its own ledger.
///
/// It does not call the wallet service: in the demo each service owns its data, so a pay-in for any wallet id
/// is accepted and the ledger is the source of truth for what came in.
enum PayinRoutes {
    struct CreateRequest: Decodable {
        let wallet: String
        let amount: Int
        let currency: String
    }

    struct Payin: Codable, Sendable {
        let id: String
        let status: String
        let wallet: String
        let amount: Int
        let currency: Currency
    }

    struct Balances: Encodable {
        let wallet: String
        /// Minor units per currency code.
        let balances: [String: Int]
    }

    /// Balances per wallet and currency, updated with each capture.
    final class Ledger: Sendable {
        private let balances = Mutex<[String: [Currency: Int]]>([:])

        func credit(_ wallet: String, _ amount: Int, _ currency: Currency) {
            balances.withLock { $0[wallet, default: [:]][currency, default: 0] += amount }
        }

        func balances(of wallet: String) -> [Currency: Int] {
            balances.withLock { $0[wallet] ?? [:] }
        }
    }

    static func register(on router: Router<BasicRequestContext>, faults: FaultInjector, metrics: MetricsRegistry) {
        let payins = RecordStore<Payin>(idPrefix: "pi")
        let ledger = Ledger()
        // The business's own count: every pay-in attempted, and those that did not capture money, whatever
        // the HTTP status said (a decline is a 402, not a 5xx). Exposed from the start, at 0.
        let attempted = Counter(label: "payins_total", factory: metrics.factory)
        let failed = Counter(label: "payins_failed_total", factory: metrics.factory)
        attempted.increment(by: 0)
        failed.increment(by: 0)
        // The business's own timing: from capture to settlement with the acquirer, after the HTTP answer.
        let settlement = Timer(label: "payin_settlement_seconds", factory: metrics.factory)
        let settlementDelay = faults.settlement

        router.post("payins") { request, _ -> Response in
            attempted.increment()
            let declined: Bool
            do { declined = try await faults.apply() } catch {
                failed.increment()
                throw error
            }
            if declined {
                failed.increment()
                throw DemoHTTPError(.init(code: 402, reasonPhrase: "Payment Required"), "pay-in declined", reason: "declined by the acquirer (injected by the behaviour file)")
            }
            let body = try await DemoJSON.decode(CreateRequest.self, from: request)
            guard body.amount > 0 else {
                throw DemoHTTPError(.unprocessableContent, "pay-in refused", reason: "amount must be greater than zero")
            }
            guard !body.wallet.isEmpty else {
                throw DemoHTTPError(.unprocessableContent, "pay-in refused", reason: "wallet must not be empty")
            }
            let currency = try Currency.parse(body.currency)
            let payin = payins.insert {
                Payin(id: $0, status: "captured", wallet: body.wallet, amount: body.amount, currency: currency)
            }
            ledger.credit(body.wallet, body.amount, currency)
            let captured = ContinuousClock.now
            Task {
                try? await Task.sleep(for: settlementDelay)
                settlement.recordNanoseconds(Int64((ContinuousClock.now - captured) / .nanoseconds(1)))
            }
            return DemoJSON.response(payin, status: .created)
        }

        router.get("payins/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard let payin = payins.get(id) else {
                throw DemoHTTPError(.notFound, "no pay-in \(id)")
            }
            return DemoJSON.response(payin)
        }

        router.get("balances/:wallet") { _, context -> Response in
            let wallet = try context.parameters.require("wallet")
            let balances = Dictionary(uniqueKeysWithValues: ledger.balances(of: wallet).map { ($0.key.rawValue, $0.value) })
            return DemoJSON.response(Balances(wallet: wallet, balances: balances))
        }
    }
}
