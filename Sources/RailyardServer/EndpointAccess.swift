import RailyardCore

/// Who may call each endpoint: the one table of the API's access rules, keyed as the router lists
/// its routes ("METHOD /path/{param}"). An endpoint missing here is refused to everyone, and a test
/// fails until it has a rule. `docs/openapi.yaml` shows each rule as `x-railyard-roles`.
public enum EndpointAccess {
    public enum Rule: Sendable, Equatable {
        /// No token needed.
        case open
        /// A valid token whose role is one of these.
        case roles(Set<Role>, why: String)

        public var roles: Set<Role>? {
            if case .roles(let roles, _) = self { return roles }
            return nil
        }
    }

    static let anyone = Rule.roles(Set(Role.allCases), why: "reading needs a valid token")

    /// - Parameter reachesProduction: whether the deployment goes to production; deploying to
    ///   production needs a release owner, deploying elsewhere a developer or a release owner.
    public static func table(reachesProduction: Bool) -> [String: Rule] {
        [
            "GET /api/v1/health": .open,
            "GET /metrics": anyone,
            "GET /api/v1/whoami": anyone,
            "GET /api/v1/status": anyone,
            "GET /api/v1/targets/{target}/services/{service}/counters": anyone,
            "GET /api/v1/rollouts": anyone,
            "GET /api/v1/rollouts/{id}": anyone,
            "GET /api/v1/rollouts/{id}/stream": anyone,
            "GET /api/v1/rollouts/{id}/analyses": anyone,
            "GET /api/v1/analyses/{id}": anyone,
            "GET /api/v1/analyses/{id}/plot.svg": anyone,
            "GET /api/v1/history": anyone,
            "POST /api/v1/fleet/up": .roles([.releaseOwner, .admin], why: "starting the fleet needs release-owner or admin"),
            "POST /api/v1/fleet/down": .roles([.releaseOwner, .admin], why: "stopping the fleet needs release-owner or admin"),
            "POST /api/v1/rollouts": reachesProduction
                ? .roles([.releaseOwner], why: "deploying to production needs release-owner")
                : .roles([.developer, .releaseOwner], why: "deploying needs developer or release-owner"),
            "POST /api/v1/rollouts/{id}/approve": .roles([.approver], why: "approving needs approver"),
            "POST /api/v1/rollouts/{id}/abort": .roles([.releaseOwner, .approver, .admin],
                                                      why: "aborting needs release-owner, approver or admin"),
            "GET /api/v1/tokens": .roles([.admin], why: "listing tokens needs admin"),
            "POST /api/v1/tokens": .roles([.admin], why: "creating tokens needs admin"),
            "DELETE /api/v1/tokens/{id}": .roles([.admin], why: "revoking tokens needs admin"),
            "GET /api/v1/trains": anyone,
            "GET /api/v1/trains/{id}": anyone,
            "POST /api/v1/trains": .roles([.releaseOwner], why: "creating a train needs release-owner"),
            "POST /api/v1/trains/{id}/tickets": .roles([.releaseOwner, .developer], why: "importing tickets needs release-owner or developer"),
            "GET /api/v1/trains/{id}/plan": anyone,
            "POST /api/v1/trains/{id}/tickets/{ticket}/answers": .roles([.releaseOwner], why: "answering the review's questions needs release-owner"),
            "POST /api/v1/trains/{id}/review": .roles([.releaseOwner], why: "signing the risk review needs release-owner"),
            "POST /api/v1/trains/{id}/advance": .roles([.releaseOwner], why: "moving a train to its next stage needs release-owner"),
            "POST /api/v1/trains/{id}/skip": .roles([.releaseOwner, .approver], why: "skipping a hotfix's stages needs release-owner or approver"),
            "POST /api/v1/trains/{id}/cancel": .roles([.releaseOwner], why: "cancelling a train needs release-owner"),
            "GET /api/v1/trains/{id}/gates": anyone,
            "POST /api/v1/trains/{id}/services": .roles([.releaseOwner], why: "setting a train's versions needs release-owner"),
            "PUT /api/v1/trains/{id}/tickets/{ticket}": .roles([.releaseOwner, .developer], why: "writing tickets needs release-owner or developer"),
            "GET /api/v1/trains/{id}/record": anyone,
            "GET /api/v1/figures": anyone,
            "GET /api/v1/schedule": anyone,
            "POST /api/v1/schedule/skip": .roles([.releaseOwner], why: "skipping a scheduled train needs release-owner"),
            "POST /api/v1/schedule/resume": .roles([.releaseOwner], why: "resuming a scheduled train needs release-owner"),
            "POST /api/v1/clock/advance": .roles([.admin], why: "moving the simulated clock needs admin"),
            "GET /api/v1/figures/chart.svg": anyone,
            "POST /api/v1/trains/{id}/tickets/{ticket}/validations": .roles([.tester], why: "validating tickets needs tester"),
            "POST /api/v1/trains/{id}/soak": .roles([.releaseOwner], why: "ending or extending a soak needs release-owner"),
            "POST /api/v1/trains/{id}/approvals": .roles([.releaseOwner], why: "adding to the checklist needs release-owner"),
            // Any role: the item's assignee approves it, checked by the request itself.
            "POST /api/v1/trains/{id}/approvals/{item}/approve": anyone,
            "POST /api/v1/trains/{id}/gates/{gate}/override": .roles([.approver], why: "overriding a gate needs approver"),
            "GET /api/v1/nightly/runs": anyone,
            "POST /api/v1/nightly/runs": .roles([.releaseOwner, .developer, .tester], why: "starting a nightly run needs release-owner, developer or tester"),
            "GET /api/v1/nightly/runs/{id}": anyone,
            "GET /api/v1/nightly/runs/{id}/junit.xml": anyone,
            "POST /api/v1/trains/{id}/tickets/{ticket}/merged": .roles([.releaseOwner, .developer], why: "recording a merge needs release-owner or developer"),
            "GET /api/v1/nightly/quarantine": anyone,
            "POST /api/v1/nightly/quarantine": .roles([.releaseOwner, .tester], why: "quarantining a test needs release-owner or tester"),
        ]
    }

    /// The methods the table routes for a concrete path, for a 405's `Allow` header; empty when no
    /// endpoint has this path.
    public static func methods(forPath path: String, in table: [String: Rule]) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return table.keys.compactMap { key -> String? in
            let parts = key.split(separator: " ", maxSplits: 1)
            let pattern = parts[1].split(separator: "/", omittingEmptySubsequences: false)
            guard pattern.count == segments.count else { return nil }
            let matches = zip(pattern, segments).allSatisfy { expected, actual in
                expected.hasPrefix("{") ? !actual.isEmpty : expected == actual
            }
            return matches ? String(parts[0]) : nil
        }.sorted()
    }
}
