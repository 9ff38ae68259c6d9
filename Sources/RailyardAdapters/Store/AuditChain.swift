import Crypto
import Foundation
import RailyardCore

/// The audit log's hash chain: each row's hash is SHA-256 of its fields and the previous row's hash,
/// so editing, inserting or deleting a row breaks every hash after it. The head hash, kept elsewhere
/// (`railyard audit export`), also catches a rewrite of the whole tail.
public enum AuditChain {
    /// The hash the first row chains to.
    public static let genesis = String(repeating: "0", count: 64)

    /// One stored row with its chain fields.
    public struct Link: Sendable, Codable, Equatable {
        public var event: AuditEvent
        public var previousHash: String?
        public var hash: String?
        public init(event: AuditEvent, previousHash: String?, hash: String?) {
            self.event = event
            self.previousHash = previousHash
            self.hash = hash
        }
    }

    /// What is wrong with the chain, naming the first bad row.
    public struct Break: Sendable, Equatable, CustomStringConvertible {
        public var id: Int64
        public var problem: String
        public var description: String { "audit row \(id): \(problem)" }
    }

    /// SHA-256 (hex) of the row's fields, each length-prefixed so no two rows share an encoding.
    public static func hash(of event: AuditEvent, id: Int64, previous: String) -> String {
        let fields = [String(id), String(format: "%.6f", event.at.timeIntervalSince1970), event.actor, event.kind, event.subject, event.message,
                      event.reason ?? "\u{0}", event.before ?? "\u{0}", event.after ?? "\u{0}", previous]
        let text = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
        return SHA256.hash(data: Data(text.utf8)).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// Checks links in id order; nil when the chain holds. An edited row fails its own hash, a deleted
    /// one the next row's link, an inserted one its id or link.
    public static func verify(_ links: [Link]) -> Break? {
        var previous = genesis
        var previousID: Int64 = 0
        for link in links {
            let id = link.event.id ?? -1
            guard let hash = link.hash, let linked = link.previousHash else {
                return Break(id: id, problem: "has no hash: written outside Railyard")
            }
            guard linked == previous else {
                return Break(id: id, problem: "does not follow row \(previousID): a row before it was deleted, inserted or rewritten")
            }
            guard hash == Self.hash(of: link.event, id: id, previous: linked) else {
                return Break(id: id, problem: "its content does not match its hash: the row was edited")
            }
            previous = hash
            previousID = id
        }
        return nil
    }
}
