import RailyardPorts

/// Runs `body` again, up to `attempts` times in all, while it throws `StaleWrite`: each run reads the record
/// afresh and decides anew on what another writer stored first. The last `StaleWrite` is rethrown.
func retryingStale<T>(attempts: Int = 3, isolation: isolated (any Actor)? = #isolation,
                      _ body: () async throws -> T) async throws -> T {
    var attempt = 1
    while true {
        do {
            return try await body()
        } catch is StaleWrite where attempt < attempts {
            attempt += 1
        }
    }
}
