import RailyardPorts

/// A fake for the keyed digest (the real one, HMAC-SHA256, is tested in the adapters' tests): a
/// reversible marking, so a test can see that only digests are stored.
struct FakeTokenHasher: TokenHasher {
    func digest(of token: String) -> String { "digest(\(token))" }
}
