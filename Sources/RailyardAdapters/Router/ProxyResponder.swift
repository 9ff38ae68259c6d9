import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// The traffic listener: forwards `/{service}/rest?query` to one backend of the service and
/// relays its answer, tagged with the group and version that served it.
///
/// A plain responder rather than a Hummingbird `Router`: every request takes the same path, and
/// the proxy's own latency is benchmarked.
struct ProxyResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    /// Bodies up to this size are gathered into one buffer (one write, known length);
    /// larger or unsized bodies are streamed through without being held in memory.
    static let bufferedBodyLimit = 1 << 20

    let routerName: String
    let table: RouteTable
    let client: HTTPClient
    let timeout: TimeAmount

    func respond(to request: Request, context: Context) async throws -> Response {
        guard let target = ProxyPath(request.head.path ?? "") else {
            return RouterJSON.error(.notFound, "no service in request target '\(request.head.path ?? "")'", router: routerName)
        }
        // Read before the pick: a client slow to send its body holds no server's in-flight count (`InFlightTicket`).
        // Outside the catch below: a client that fails to send its body is not the backend's error.
        let body = try await Self.upstreamBody(of: request)
        let upstream: Upstream
        switch table.pick(service: target.service) {
        case .unknownService:
            return RouterJSON.error(.notFound, "no service '\(target.service)' behind router \(routerName)", router: routerName)
        case .noTraffic:
            return RouterJSON.error(
                .serviceUnavailable, "service '\(target.service)' has no group with weight behind router \(routerName)",
                router: routerName)
        case .upstream(let chosen):
            upstream = chosen
        }
        let ticket = InFlightTicket(table: table, upstream: upstream)
        defer { ticket.releaseUnlessStreaming() }
        var tags = HTTPFields()
        tags[ProxyHeaders.group] = upstream.group
        tags[ProxyHeaders.version] = upstream.version

        var outbound = HTTPClientRequest(url: "http://\(upstream.server)\(target.upstreamTarget)")
        outbound.method = HTTPMethod(rawValue: request.method.rawValue)
        outbound.headers = ProxyHeaders.upstream(from: request.headers)
        outbound.body = body
        let answer: HTTPClientResponse
        do {
            answer = try await client.execute(outbound, timeout: timeout)
        } catch {
            upstream.counters.countError()
            return Self.failure(error, upstream: upstream, service: target.service, router: routerName, tags: tags)
        }
        if answer.status.code >= 500 {
            upstream.counters.countError()
        }
        return try await Self.relay(answer, method: request.method, tags: tags, ticket: ticket)
    }

    /// No body when the request declares none; one buffer when small and sized; a stream otherwise.
    private static func upstreamBody(of request: Request) async throws -> HTTPClientRequest.Body? {
        if let declared = request.headers[.contentLength], let length = Int(declared) {
            if length == 0 { return nil }
            if length <= bufferedBodyLimit {
                return .bytes(try await request.body.collect(upTo: length))
            }
            return .stream(request.body, length: .known(Int64(length)))
        }
        if request.headers[.transferEncoding] != nil {
            return .stream(request.body, length: .unknown)
        }
        return nil
    }

    private static func relay(_ answer: HTTPClientResponse, method: HTTPRequest.Method, tags: HTTPFields, ticket: InFlightTicket) async throws -> Response {
        let status = HTTPResponse.Status(code: Int(answer.status.code), reasonPhrase: answer.status.reasonPhrase)
        let length = answer.headers.first(name: "content-length").flatMap { Int($0) }
        if method == .head {
            // The upstream content-length describes the body a GET would get: pass it on as is.
            var headers = ProxyHeaders.downstream(from: answer.headers, dropContentLength: false)
            headers.append(contentsOf: tags)
            return Response(status: status, headers: headers, body: ResponseBody())
        }
        if let length, length <= bufferedBodyLimit {
            let body = try await answer.body.collect(upTo: length)
            var headers = ProxyHeaders.downstream(from: answer.headers, dropContentLength: true)
            headers.append(contentsOf: tags)
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
        }
        var headers = ProxyHeaders.downstream(from: answer.headers, dropContentLength: length == nil)
        headers.append(contentsOf: tags)
        let stream = answer.body
        ticket.handToStream()
        return Response(
            status: status, headers: headers,
            body: ResponseBody(contentLength: length) { writer in
                defer { ticket.release() }
                try await writer.write(stream)
                try await writer.finish(nil)
            })
    }

    /// The proxy's own failure to reach the chosen backend: 504 on timeout, 502 otherwise.
    private static func failure(_ error: any Error, upstream: Upstream, service: String, router: String, tags: HTTPFields) -> Response {
        let timedOut: Bool
        if let clientError = error as? HTTPClientError {
            timedOut = clientError == .deadlineExceeded || clientError == .readTimeout
                || clientError == .connectTimeout
        } else {
            timedOut = false
        }
        let reason = "\(upstream.server) of group '\(upstream.group)' (\(upstream.version)) of service '\(service)' "
            + (timedOut ? "timed out" : "failed") + ": \(error)"
        return RouterJSON.error(timedOut ? .gatewayTimeout : .badGateway, reason, router: router, extra: tags)
    }
}
