import Foundation
import Hummingbird

/// The wallet service: customer wallets, created empty.
enum WalletRoutes {
    struct CreateRequest: Decodable {
        let owner: String
        let currency: String
    }

    struct Wallet: Codable, Sendable {
        let id: String
        let owner: String
        let currency: Currency
        let balance: Int
    }

    static func register(on router: Router<BasicRequestContext>, faults: FaultInjector) {
        let wallets = RecordStore<Wallet>(idPrefix: "w")

        router.post("wallets") { request, _ -> Response in
            try await faults.apply()
            let body = try await DemoJSON.decode(CreateRequest.self, from: request)
            guard !body.owner.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw DemoHTTPError(.unprocessableContent, "wallet refused", reason: "owner must not be empty")
            }
            let currency = try Currency.parse(body.currency)
            let wallet = wallets.insert { Wallet(id: $0, owner: body.owner, currency: currency, balance: 0) }
            return DemoJSON.response(wallet, status: .created)
        }

        router.get("wallets/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard let wallet = wallets.get(id) else {
                throw DemoHTTPError(.notFound, "no wallet \(id)")
            }
            return DemoJSON.response(wallet)
        }
    }
}
