/// Reading `GET /api/v1/status` as JSON, for the tests that drive a real server.

/// The traffic URL of `target`'s router.
func routerURL(_ status: [String: Any], target: String) -> String? {
    (status["targets"] as? [[String: Any]])?.first { $0["name"] as? String == target }?["router"] as? String
}

/// The router groups (stable, canary, baseline) of `service` in `target`.
func groupsOf(_ status: [String: Any], target: String, service: String) -> [[String: Any]] {
    let targetEntry = (status["targets"] as? [[String: Any]])?.first { $0["name"] as? String == target }
    let serviceEntry = (targetEntry?["services"] as? [[String: Any]])?.first { $0["name"] as? String == service }
    return serviceEntry?["groups"] as? [[String: Any]] ?? []
}
