import Foundation
import HTTPTypes
import Hummingbird

/// JSON answers shared by the proxy and the admin API.
enum RouterJSON {
    /// The body of every error answer: the reason, and which router gave it.
    struct ErrorBody: Codable, Sendable {
        var error: String
        var router: String?
    }

    static func response(_ status: HTTPResponse.Status, _ value: some Encodable, extra: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var headers = extra
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String, router: String, extra: HTTPFields = [:]) -> Response {
        response(status, ErrorBody(error: message, router: router), extra: extra)
    }
}
