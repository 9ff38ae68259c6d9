import Hummingbird

/// The FX service: fixed rates between the fleet's currencies, and conversions of minor-unit amounts.
enum FXRoutes {
    struct Rate: Encodable {
        let from: Currency
        let to: Currency
        let rate: Double
    }

    struct ConvertRequest: Decodable {
        let amount: Int
        let from: String
        let to: String
    }

    struct Conversion: Encodable {
        let amount: Int
        let from: Currency
        let to: Currency
        let rate: Double
        /// In minor units of `to`, rounded half away from zero.
        let converted: Int
    }

    static func rate(from: Currency, to: Currency) -> Double {
        Double(to.perEURScaled) / Double(from.perEURScaled)
    }

    /// Integer arithmetic on minor units, so 1000 EUR cents is exactly 1080 USD cents, never 1079.9999.
    static func convert(_ amount: Int, from: Currency, to: Currency) throws -> Int {
        func power10(_ n: Int) -> Int { (0..<n).reduce(1) { result, _ in result * 10 } }
        let (scaled, overflowA) = amount.multipliedReportingOverflow(by: to.perEURScaled)
        let (numerator, overflowB) = scaled.multipliedReportingOverflow(by: power10(to.minorUnitExponent))
        guard !overflowA, !overflowB else {
            throw DemoHTTPError(.unprocessableContent, "conversion refused", reason: "amount too large")
        }
        let denominator = from.perEURScaled * power10(from.minorUnitExponent)
        let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
        let roundsAway = 2 * abs(remainder) >= denominator
        return roundsAway ? quotient + (numerator < 0 ? -1 : 1) : quotient
    }

    static func register(on router: Router<BasicRequestContext>, faults: FaultInjector) {
        router.get("rates") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard let from = query["from"], let to = query["to"] else {
                throw DemoHTTPError(.badRequest, "query parameters 'from' and 'to' are required")
            }
            let source = try Currency.parse(String(from))
            let target = try Currency.parse(String(to))
            return DemoJSON.response(Rate(from: source, to: target, rate: rate(from: source, to: target)))
        }

        router.post("convert") { request, _ -> Response in
            try await faults.apply()
            let body = try await DemoJSON.decode(ConvertRequest.self, from: request)
            let source = try Currency.parse(body.from)
            let target = try Currency.parse(body.to)
            let converted = try convert(body.amount, from: source, to: target)
            return DemoJSON.response(
                Conversion(amount: body.amount, from: source, to: target, rate: rate(from: source, to: target), converted: converted)
            )
        }
    }
}
