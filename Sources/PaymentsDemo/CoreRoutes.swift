import Hummingbird

/// The monolith: takes a payment by any of the platform's methods, end to end, in one call.
enum CoreRoutes {
    /// The sixteen payment methods the platform offers.
    static let methods: Set<String> = [
        "card", "sepa_debit", "sepa_transfer", "ideal", "bancontact", "sofort", "giropay", "eps",
        "przelewy24", "multibanco", "paypal", "apple_pay", "google_pay", "klarna", "alipay", "wechat_pay",
    ]

    struct CreateRequest: Decodable {
        let amount: Int
        let currency: String
        let method: String
    }

    struct Payment: Codable, Sendable {
        let id: String
        let status: String
        let amount: Int
        let currency: Currency
        let method: String
    }

    static func register(on router: Router<BasicRequestContext>, faults: FaultInjector) {
        let payments = RecordStore<Payment>(idPrefix: "pay")

        router.post("payments") { request, _ -> Response in
            try await faults.apply()
            let body = try await DemoJSON.decode(CreateRequest.self, from: request)
            guard body.amount > 0 else {
                throw DemoHTTPError(.unprocessableContent, "payment refused", reason: "amount must be greater than zero")
            }
            guard methods.contains(body.method) else {
                throw DemoHTTPError(
                    .unprocessableContent, "payment refused",
                    reason: "unknown method '\(body.method)' (expected one of: \(methods.sorted().joined(separator: ", ")))"
                )
            }
            let currency = try Currency.parse(body.currency)
            let payment = payments.insert {
                Payment(id: $0, status: "captured", amount: body.amount, currency: currency, method: body.method)
            }
            return DemoJSON.response(payment, status: .created)
        }

        router.get("payments/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard let payment = payments.get(id) else {
                throw DemoHTTPError(.notFound, "no payment \(id)")
            }
            return DemoJSON.response(payment)
        }
    }
}
