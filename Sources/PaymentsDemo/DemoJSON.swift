import Foundation
import Hummingbird

/// JSON in and out, with the error messages a client of a payment API needs to fix its request.
enum DemoJSON {
    /// Bodies above this are refused: every request of the fleet is a few dozen bytes.
    static let maxBodyBytes = 64 * 1024

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain value types cannot fail; the fallback keeps handlers non-throwing here.
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"response encoding failed"}"#.utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// Decodes the request body, answering 400 with what is wrong rather than a bare status.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch {
            throw DemoHTTPError(.contentTooLarge, "request body larger than \(maxBodyBytes) bytes")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw DemoHTTPError(.badRequest, "invalid JSON: \(explain(error))")
        } catch {
            throw DemoHTTPError(.badRequest, "invalid JSON: \(error)")
        }
    }

    private static func explain(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "body" : "'" + codingPath.map(\.stringValue).joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key \(path(context.codingPath + [key]))"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) should be \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) should be \(type), found null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "malformed document" : "\(path(context.codingPath)) is malformed"
        @unknown default:
            return "\(error)"
        }
    }
}
