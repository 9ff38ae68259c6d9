/// One HTTP GET and its status: the smoke step asks each new instance's health and smoke paths.
public protocol HTTPProbe: Sendable {
    /// - Returns: the status code of `GET url`.
    /// - Throws: when no answer came within `timeout` (refused, reset, timed out), saying which.
    func get(_ url: String, timeout: Duration) async throws -> Int
}
