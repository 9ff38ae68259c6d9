import Hummingbird

/// An error a handler throws to answer with a JSON body `{"error": ..., "reason": ...}`.
///
/// Hummingbird's own `HTTPError` nests the message differently; the fleet keeps one error shape everywhere.
struct DemoHTTPError: HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let message: String
    let reason: String?

    init(_ status: HTTPResponse.Status, _ message: String, reason: String? = nil) {
        self.status = status
        self.message = message
        self.reason = reason
    }

    struct Body: Encodable {
        let error: String
        let reason: String?
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        DemoJSON.response(Body(error: message, reason: reason), status: status)
    }
}
