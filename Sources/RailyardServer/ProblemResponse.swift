import Foundation
import Hummingbird
import RailyardAPI
import RailyardCore

/// RFC 9457 error answers (`application/problem+json`) for the whole API.
enum ProblemResponse {
    static func make(_ status: HTTPResponse.Status, _ detail: String, instance: String? = nil, field: String? = nil,
                     requiredRoles: Set<Role>? = nil, errors: [ImportDiagnostic]? = nil, headers: HTTPFields = [:]) -> Response {
        let problem = API.Problem(type: "urn:railyard:problem:\(slug(status))", title: status.reasonPhrase, status: Int(status.code),
                                  detail: detail, instance: instance, field: field, requiredRoles: requiredRoles.map { $0.sorted() }, errors: errors)
        let data = (try? API.encoder.encode(problem)) ?? Data(#"{"title":"encoding failed","status":500}"#.utf8)
        var fields = headers
        fields[.contentType] = API.Problem.mediaType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func slug(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad-request"
        case 401: "unauthenticated"
        case 403: "forbidden"
        case 404: "not-found"
        case 405: "method-not-allowed"
        case 409: "conflict"
        case 413: "content-too-large"
        default: "internal-error"
        }
    }
}
