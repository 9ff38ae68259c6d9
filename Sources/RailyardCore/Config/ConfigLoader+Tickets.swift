import Yams

/// `tickets:` — where a ticket tracker's export keeps each field.
extension ConfigLoader {
    mutating func readTickets(_ node: Node) -> TicketColumns {
        var columns = TicketColumns()
        guard let fields = mapping(node, "tickets") else { return columns }
        checkKeys(fields, allowed: ["columns"], context: "tickets")
        guard let columnsNode = fields["columns"] else { return columns }
        guard let mapping = mapping(columnsNode, "tickets: columns") else { return columns }
        checkKeys(mapping, allowed: TicketColumns.keys, context: "tickets: columns")
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string, TicketColumns.keys.contains(key) else { continue }
            guard let column = valueNode.string, !column.isEmpty else {
                error(at: valueNode, "tickets: columns: \(key) must be the name of a column of the export, e.g. \"Issue key\"")
                continue
            }
            columns.set(key, to: column)
        }
        return columns
    }
}
