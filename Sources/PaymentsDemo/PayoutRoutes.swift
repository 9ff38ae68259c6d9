import Hummingbird

/// The payout service: sends money from a wallet to its owner.
enum PayoutRoutes {
    struct CreateRequest: Decodable {
        let wallet: String
        let amount: Int
        let currency: String
    }

    struct Payout: Codable, Sendable {
        let id: String
        let status: String
        let wallet: String
        let amount: Int
        let currency: Currency
    }

    static func register(on router: Router<BasicRequestContext>, faults: FaultInjector) {
        let payouts = RecordStore<Payout>(idPrefix: "po")

        router.post("payouts") { request, _ -> Response in
            try await faults.apply()
            let body = try await DemoJSON.decode(CreateRequest.self, from: request)
            // A zero or negative payout would be a pay-in in disguise: refuse it with the reason.
            guard body.amount > 0 else {
                throw DemoHTTPError(.unprocessableContent, "payout refused", reason: "amount must be greater than zero")
            }
            guard !body.wallet.isEmpty else {
                throw DemoHTTPError(.unprocessableContent, "payout refused", reason: "wallet must not be empty")
            }
            let currency = try Currency.parse(body.currency)
            let payout = payouts.insert {
                Payout(id: $0, status: "paid", wallet: body.wallet, amount: body.amount, currency: currency)
            }
            return DemoJSON.response(payout, status: .created)
        }

        router.get("payouts/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard let payout = payouts.get(id) else {
                throw DemoHTTPError(.notFound, "no payout \(id)")
            }
            return DemoJSON.response(payout)
        }
    }
}
