import Foundation
import HTTPTypes
import Hummingbird
import NIOHTTP1

/// Header translation between the downstream (Hummingbird, `HTTPFields`) and upstream
/// (AsyncHTTPClient, `HTTPHeaders`) sides, dropping hop-by-hop headers (RFC 9110 §7.6.1):
/// they describe one connection, not the message.
enum ProxyHeaders {
    static let group = HTTPField.Name("x-railyard-group")!
    static let version = HTTPField.Name("x-railyard-version")!

    private static let hopByHop: Set<String> = [
        "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
    ]

    /// Headers to send upstream. Host comes from the upstream URL; framing (content-length,
    /// transfer-encoding) is set by the client from the body it sends.
    static func upstream(from fields: HTTPFields) -> HTTPHeaders {
        let listed = connectionListed(fields[values: .connection])
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields.count)
        for field in fields {
            let name = field.name.canonicalName
            if isHopByHop(name, listed: listed) || name == "content-length" { continue }
            headers.add(name: field.name.rawName, value: field.value)
        }
        return headers
    }

    /// Headers to send back downstream. `dropContentLength` when the body is re-framed here.
    static func downstream(from headers: HTTPHeaders, dropContentLength: Bool) -> HTTPFields {
        let listed = connectionListed(headers["connection"])
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count + 2)
        for (name, value) in headers {
            let lowered = name.lowercased()
            if isHopByHop(lowered, listed: listed) { continue }
            if dropContentLength && lowered == "content-length" { continue }
            guard let fieldName = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        return fields
    }

    private static func isHopByHop(_ lowercasedName: String, listed: Set<String>) -> Bool {
        hopByHop.contains(lowercasedName) || lowercasedName.hasPrefix("proxy-")
            || (!listed.isEmpty && listed.contains(lowercasedName))
    }

    /// Headers named in `Connection` are hop-by-hop too.
    private static func connectionListed(_ values: [String]) -> Set<String> {
        guard !values.isEmpty else { return [] }
        var names: Set<String> = []
        for value in values {
            for token in value.split(separator: ",") {
                let name = token.trimmingCharacters(in: .whitespaces).lowercased()
                if !name.isEmpty { names.insert(name) }
            }
        }
        return names
    }
}
