import Foundation
import Testing
@testable import RailyardAdapters

/// Ports handed to processes come from below the kernel's ephemeral range, where no outgoing
/// connection takes them as a source port, and are free to bind when handed out.
@Suite struct FreePortTests {
    @Test func portsComeFromBelowTheEphemeralRangeAndAreFree() throws {
        let range = try #require(FreePort.belowEphemeral, "this machine's ip_local_port_range leaves no room below it")
        let ephemeralStart = Int(try String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
            .split(whereSeparator: \.isWhitespace)[0])!
        #expect(range.upperBound == ephemeralStart - 1)
        var seen = Set<Int>()
        for _ in 0..<20 {
            let port = try FreePort.next()
            #expect(range.contains(port), "\(port) is outside \(range)")
            // Free when handed out: it binds.
            #expect((try? FreePort.bindLoopback(port: port, keep: nil)) == port)
            seen.insert(port)
        }
        #expect(seen.count > 15, "random over the range, not one port again and again: \(seen.count) distinct of 20")
    }
}
