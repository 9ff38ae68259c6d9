import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Steady payment traffic through the routers while the demo deploys, so rollouts face real
/// requests (and a faulty version shows real failed payments). Bounded: it stops when cancelled.
final class DemoTraffic: Sendable {
    struct Counts: Sendable { var sent = 0; var failed = 0 }
    let counts = Mutex(Counts())
    let routers: [String]

    init(routers: [String]) { self.routers = routers }

    var snapshot: Counts { counts.withLock { $0 } }

    /// `loops` concurrent senders per router, each pausing `interval` between requests.
    func run(loops: Int = 3, interval: Duration = .milliseconds(15)) async {
        await withTaskGroup(of: Void.self) { group in
            for router in routers {
                for loop in 0..<loops {
                    group.addTask { await self.send(to: router, loop: loop, interval: interval) }
                }
            }
        }
    }

    private func send(to router: String, loop: Int, interval: Duration) async {
        var n = 0
        while !Task.isCancelled {
            n += 1
            var request = HTTPClientRequest(url: router + "/payin/payins")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            let body = #"{"wallet":"w-\#(loop)","amount":\#(1000 + n % 500),"currency":"EUR"}"#
            request.body = .bytes(ByteBuffer(string: body))
            var failed = true
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(5)) {
                _ = try? await response.body.collect(upTo: 1 << 16)
                failed = response.status.code >= 500
            }
            counts.withLock { $0.sent += 1; if failed { $0.failed += 1 } }
            try? await Task.sleep(for: interval)
        }
    }
}
