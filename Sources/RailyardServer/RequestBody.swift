import Foundation
import Hummingbird
import RailyardAPI
import RailyardEngine

/// Reads a JSON request body strictly: an object with only the documented fields, each of the right
/// type. Every refusal names the field at fault, so a schema-violating request is never accepted.
enum RequestBody {
    static let limit = 1 << 20

    static func decode<T: Decodable>(_ type: T.Type, from request: Request, fields: Set<String>) async throws -> T {
        guard let value = try await decodeIfPresent(type, from: request, fields: fields) else {
            throw Refusal(.badRequest, "invalid request body: a JSON object with \(fields.sorted().joined(separator: ", ")) is required")
        }
        return value
    }

    /// nil for an empty body.
    static func decodeIfPresent<T: Decodable>(_ type: T.Type, from request: Request, fields: Set<String>) async throws -> T? {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw Refusal(.badRequest, "invalid request body: larger than 1 MiB")
        }
        let data = Data(buffer.readableBytesView)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Refusal(.badRequest, "invalid request body: not a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
            throw Refusal(.badRequest, "invalid request body: unknown field '\(unknown)'; expected \(fields.sorted().joined(separator: ", "))",
                          field: unknown)
        }
        // The API's convention: an optional field without a value is absent, never null.
        if let null = object.keys.sorted().first(where: { object[$0] is NSNull }) {
            throw Refusal(.badRequest, "invalid request body: '\(null)' is null; leave an optional field out instead", field: null)
        }
        do {
            return try API.decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw refusal(error)
        } catch {
            throw Refusal(.badRequest, "invalid request body: \(error)")
        }
    }

    /// The decoder's complaint in words, naming the field (in the wire's snake_case).
    static func refusal(_ error: DecodingError) -> Refusal {
        func wire(_ path: [any CodingKey]) -> String? {
            path.last.map { key in key.stringValue.reduce(into: "") { out, c in c.isUppercase ? out += "_" + c.lowercased() : out.append(c) } }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = wire(context.codingPath + [key]) ?? key.stringValue
            return Refusal(.badRequest, "invalid request body: '\(field)' is required", field: field)
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = wire(context.codingPath)
            return Refusal(.badRequest, "invalid request body: '\(field ?? "body")' has the wrong type", field: field)
        case .dataCorrupted(let context):
            let field = wire(context.codingPath)
            return Refusal(.badRequest, "invalid request body: '\(field ?? "body")' is not valid: \(context.debugDescription)", field: field)
        @unknown default:
            return Refusal(.badRequest, "invalid request body: \(error)")
        }
    }
}
