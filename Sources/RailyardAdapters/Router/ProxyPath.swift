/// Splits a proxied request target `/{service}/rest/of/path?query` into the service and the
/// target to send upstream (`/rest/of/path?query`), keeping the rest byte for byte.
struct ProxyPath: Sendable, Equatable {
    let service: String
    let upstreamTarget: String

    init?(_ target: String) {
        guard target.first == "/" else { return nil }
        let afterSlash = target.utf8.index(after: target.utf8.startIndex)
        let end = target.utf8[afterSlash...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }
            ?? target.utf8.endIndex
        self.service = String(target[afterSlash..<end])
        let rest = target[end...]
        if rest.isEmpty {
            self.upstreamTarget = "/"
        } else if rest.first == "?" {
            self.upstreamTarget = "/" + rest
        } else {
            self.upstreamTarget = String(rest)
        }
    }
}
