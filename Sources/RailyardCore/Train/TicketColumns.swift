/// Which column of a ticket tracker's export holds each field (`tickets: columns:` in railyard.yml).
/// The defaults are Jira's CSV export; a JSON export uses the same names as object keys.
public struct TicketColumns: Sendable, Equatable {
    public var id = "Issue key"
    public var title = "Summary"
    public var type = "Issue Type"
    public var owner = "Assignee"
    /// Several columns of this name (Jira repeats multi-valued fields), or one cell of names
    /// separated by commas or semicolons.
    public var services = "Component/s"
    public var mergedAt = "Resolved"
    /// The four answers, when the export carries them (custom fields); otherwise asked at the review.
    public var scripts: String?
    public var rollbackable: String?
    public var backwardCompatible: String?
    public var scope: String?

    public init() {}

    /// The keys of `tickets: columns:`.
    public static let keys = ["id", "title", "type", "owner", "services", "merged_at", "scripts", "rollbackable", "backward_compatible", "scope"]

    public mutating func set(_ key: String, to column: String) {
        switch key {
        case "id": id = column
        case "title": title = column
        case "type": type = column
        case "owner": owner = column
        case "services": services = column
        case "merged_at": mergedAt = column
        case "scripts": scripts = column
        case "rollbackable": rollbackable = column
        case "backward_compatible": backwardCompatible = column
        case "scope": scope = column
        default: break
        }
    }
}
