import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The one HTTP call notifiers make: POST a JSON body, expect 2xx; and the JSON dates they write.
public enum NotifierHTTP {
    static func postJSON(_ body: Data, to url: String, client: HTTPClient, timeout: TimeAmount) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "railyard")
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: HTTPResponseStatus
        let answer: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = response.status
            answer = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw NotifierError.unreachable(url: url, reason: "\(error)")
        }
        guard (200..<300).contains(status.code) else {
            let text = String(buffer: answer).trimmingCharacters(in: .whitespacesAndNewlines)
            throw NotifierError.rejected(url: url, status: Int(status.code), body: String(text.prefix(2048)))
        }
    }

    /// RFC 3339 with milliseconds, in UTC ("2026-11-27T10:15:00.250Z"), as Alertmanager and most webhook
    /// receivers parse it.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date))
        }
        return encoder
    }

    /// Reads what `encoder()` writes, and RFC 3339 without fractional seconds (as Alertmanager answers).
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 date: \(text)")
        }
        return decoder
    }
}
