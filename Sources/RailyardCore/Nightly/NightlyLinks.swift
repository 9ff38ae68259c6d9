/// A nightly run's tests linked to services (by `nightly: owners`) and to the train's tickets (by the
/// services each touches): each failure names who is concerned, and each ticket gets a hint for its
/// testers, "passed in nightly N" when every test of its services passed there.
public struct NightlyLinks: Codable, Sendable, Equatable {
    public struct Failure: Codable, Sendable, Equatable {
        public var test: String
        /// nil when no owner pattern matches: the failure concerns the whole train.
        public var service: String?
        public var tickets: [String]
        public init(test: String, service: String?, tickets: [String]) {
            self.test = test
            self.service = service
            self.tickets = tickets
        }
    }

    public struct TicketHint: Codable, Sendable, Equatable {
        public var ticket: String
        public var passed: Bool
        public var hint: String
    }

    public var failures: [Failure]
    public var hints: [TicketHint]

    public static func compute(run: NightlyRunRecord, tickets: [Ticket], nightly: NightlySpec) -> NightlyLinks {
        let failing = run.tests.filter { $0.outcome == .failed || $0.outcome == .error }
        let failures = failing.map { test -> Failure in
            let service = nightly.service(of: test.id)
            let concerned = tickets.filter { ticket in service.map { ticket.services.contains($0) } ?? true }.map(\.id)
            return Failure(test: test.id, service: service, tickets: concerned)
        }
        let broken = run.suites.filter { $0.broken != nil }.map(\.name)
        let hints = tickets.map { ticket -> TicketHint in
            let theirs = failures.filter { failure in failure.tickets.contains(ticket.id) }
            if !broken.isEmpty {
                return TicketHint(ticket: ticket.id, passed: false, hint: "nightly \(run.id) is broken (\(broken.joined(separator: ", "))): no evidence")
            }
            if theirs.isEmpty {
                let covered = run.tests.filter { test in nightly.service(of: test.id).map { ticket.services.contains($0) } ?? false }
                return TicketHint(ticket: ticket.id, passed: true,
                                  hint: "passed in nightly \(run.id)" + (covered.isEmpty ? " (no test is mapped to \(ticket.services.joined(separator: ", ")))"
                                                                          : " (\(covered.count) test(s) of \(ticket.services.joined(separator: ", ")))"))
            }
            return TicketHint(ticket: ticket.id, passed: false,
                              hint: "failing in nightly \(run.id): " + theirs.map { "\($0.test)" + ($0.service.map { " (\($0))" } ?? "") }.joined(separator: ", "))
        }
        return NightlyLinks(failures: failures, hints: hints)
    }
}
