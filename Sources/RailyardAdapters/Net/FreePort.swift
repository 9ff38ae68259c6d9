#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Finds a loopback TCP port nobody listens on, for a process that must be told its port
/// up front. The port is free when this returns; another process could still take it before
/// the caller binds, so prefer binding to port 0 where the listener can report its port.
public enum FreePort {
    public struct Failure: Error, CustomStringConvertible {
        public let call: String
        public let errno: Int32
        public var description: String { "FreePort: \(call) failed with errno \(errno)" }
    }

    /// A loopback port held bound but not listening: connections to it are refused, and no other
    /// process can take it while this lives (a test's "dead" target stays dead).
    public final class Reservation {
        public let port: Int
        let fd: Int32
        init(port: Int, fd: Int32) {
            self.port = port
            self.fd = fd
        }
        deinit { close(fd) }
    }

    public static func reserve() throws -> Reservation {
        var fd: Int32 = -1
        let port = try bindLoopback { fd = $0 }
        return Reservation(port: port, fd: fd)
    }

    /// A port free now, chosen below the kernel's ephemeral range when there is room there: a port
    /// from port 0 is an ephemeral one, which any outgoing connection on the machine may take as its
    /// source port before the caller binds it (seen as "Address already in use" under heavy traffic).
    /// Falls back to port 0.
    public static func next() throws -> Int {
        if let range = belowEphemeral {
            for _ in 0..<64 {
                if let port = try? bindLoopback(port: Int.random(in: range), keep: nil) { return port }
            }
        }
        return try bindLoopback(keep: nil)
    }

    /// 20000 up to the start of `ip_local_port_range`, when that leaves at least a thousand ports.
    static let belowEphemeral: ClosedRange<Int>? = {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
              let low = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap({ Int($0) }),
              low - 1 >= 21_000 else { return nil }
        return 20_000...(low - 1)
    }()

    /// Binds 127.0.0.1:`port` (0: the system chooses) and returns the port; `keep` takes the socket
    /// (else it is closed).
    static func bindLoopback(port: Int = 0, keep: ((Int32) -> Void)?) throws -> Int {
        #if canImport(Glibc) || canImport(Musl)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(call: "socket", errno: errno) }
        var kept = false
        defer { if !kept { close(fd) } }

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw Failure(call: "bind", errno: errno) }

        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(fd, $0, &length)
            }
        }
        guard named == 0 else { throw Failure(call: "getsockname", errno: errno) }
        if let keep {
            kept = true
            keep(fd)
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
