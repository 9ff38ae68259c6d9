/// Turns a token into the digest the store keeps. A keyed hash: a copy of the store alone cannot be
/// used to check guesses, and tokens are random enough that no slow hash is needed.
public protocol TokenHasher: Sendable {
    func digest(of token: String) -> String
}
