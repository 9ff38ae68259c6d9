/// What a token may do. Roles do not nest: each endpoint lists the roles it accepts
/// (`EndpointAccess` in the server), so an admin who manages tokens does not thereby deploy to
/// production or approve.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    case viewer
    case tester
    case developer
    case releaseOwner = "release-owner"
    case approver
    case admin

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
