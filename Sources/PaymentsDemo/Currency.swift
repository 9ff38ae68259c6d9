/// The currencies the demo fleet settles in, with what converting between them needs.
enum Currency: String, Codable, CaseIterable, Sendable {
    case EUR, USD, GBP, CHF, JPY

    /// Digits after the decimal point: amounts travel as integer minor units (cents, pence, yen).
    var minorUnitExponent: Int {
        self == .JPY ? 0 : 2
    }

    /// Fixed rate as units of this currency per EUR, times 10_000, so conversions stay in integers.
    var perEURScaled: Int {
        switch self {
        case .EUR: 10_000
        case .USD: 10_800
        case .GBP: 8_500
        case .CHF: 9_500
        case .JPY: 1_600_000
        }
    }

    static let supportedList = allCases.map(\.rawValue).joined(separator: ", ")

    /// Parses a currency code, or explains which ones exist.
    static func parse(_ code: String) throws -> Currency {
        guard let currency = Currency(rawValue: code) else {
            throw DemoHTTPError(.unprocessableContent, "unsupported currency", reason: "'\(code)' is not one of \(supportedList)")
        }
        return currency
    }
}
