/// The services of the bundled payment fleet: the monolith and the microservices split out of it since 2018.
public enum DemoService: String, CaseIterable, Sendable {
    /// The monolith: takes payments end to end.
    case core
    /// Customer wallets and their balances.
    case wallet
    /// Money coming in (captures), with its own ledger.
    case payin
    /// Money going out to a wallet's owner.
    case payout
    /// Foreign exchange: fixed rates and conversions.
    case fx
}
