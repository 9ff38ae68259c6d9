#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// Binds a socket to 127.0.0.1:0, reads the port the system chose, closes the socket.
    public static func next() throws -> Int {
        try bindLoopback(keep: nil)
    }

    /// Binds 127.0.0.1:0 and returns the port; `keep` takes the socket (else it is closed).
    static func bindLoopback(keep: ((Int32) -> Void)?) throws -> Int {
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
        address.sin_port = 0
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
