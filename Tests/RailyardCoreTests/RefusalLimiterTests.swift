import Foundation
import RailyardCore
import Testing

@Suite("Refusal limiter: a flood of refusals cannot fill the audit log")
struct RefusalLimiterTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aBurstIsLoggedThenOnePerIntervalAndTheGapIsCounted() {
        var limiter = RefusalLimiter(burst: 3, interval: 10)
        let logged = (0..<100).filter { _ in limiter.admit(client: "10.0.0.1", at: start).log }.count
        #expect(logged == 3, "100 refusals in one instant log the burst only")
        // 97 were left out; one interval later the next one is logged and says so.
        let later = limiter.admit(client: "10.0.0.1", at: start.addingTimeInterval(10))
        #expect(later == .init(log: true, suppressed: 97))
        #expect(limiter.admit(client: "10.0.0.1", at: start.addingTimeInterval(10)).log == false)
        // Another client has its own budget.
        #expect(limiter.admit(client: "10.0.0.2", at: start).log)
    }

    @Test func aSustainedFloodLogsAtMostOnePerInterval() {
        var limiter = RefusalLimiter(burst: 20, interval: 6)
        var logged = 0
        // Ten refusals a second for an hour: 36,000 refusals.
        for step in 0..<36_000 where limiter.admit(client: "flood", at: start.addingTimeInterval(Double(step) * 0.1)).log {
            logged += 1
        }
        #expect(logged <= 20 + 3600 / 6 + 1, "\(logged) entries logged")
        #expect(logged >= 3600 / 6, "\(logged) entries logged: the flood is still visible")
    }

    @Test func manyClientsCannotGrowTheTableWithoutBound() {
        var limiter = RefusalLimiter(burst: 1, interval: 60, maxClients: 100)
        for client in 0..<10_000 { _ = limiter.admit(client: "10.0.\(client / 256).\(client % 256)", at: start.addingTimeInterval(Double(client))) }
        #expect(limiter.clientCount == 100)
    }
}
