import AsyncHTTPClient
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import RailyardServer

/// The CLI's side of the HTTP API.
struct APIClient: Sendable {
    let baseURL: String

    struct Failure: Error, CustomStringConvertible {
        let status: Int
        let message: String
        var description: String { message }
    }

    func get<T: Decodable>(_ path: String, as type: T.Type = T.self) async throws -> T {
        try API.decoder.decode(T.self, from: try await send("GET", path))
    }

    func post<T: Decodable>(_ path: String, body: some Encodable, as type: T.Type = T.self) async throws -> T {
        try API.decoder.decode(T.self, from: try await send("POST", path, body: try API.encoder.encode(body)))
    }

    func raw(_ method: String, _ path: String, body: Data? = nil) async throws -> Data { try await send(method, path, body: body) }

    private func send(_ method: String, _ path: String, body: Data? = nil) async throws -> Data {
        var request = HTTPClientRequest(url: baseURL + "/api/v1/" + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "X-Railyard-Actor", value: Defaults.actor)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        } catch {
            throw Failure(status: 0, message: "cannot reach the Railyard server at \(baseURL) (\(error)); start it with `railyard serve`")
        }
        let data = Data((try await response.body.collect(upTo: 64 << 20)).readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            let reason = (try? API.decoder.decode(API.ErrorBody.self, from: data).error) ?? String(decoding: data, as: UTF8.self)
            throw Failure(status: Int(response.status.code), message: reason)
        }
        return data
    }
}

/// Runs a client call, turning failures into the documented exit codes.
func clientCall<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let failure as APIClient.Failure {
        var standardError = StandardError()
        print("error: \(failure.message)", to: &standardError)
        throw failure.status == 0 ? ExitStatus.unreachable : ExitStatus.refused
    }
}

/// `print` rather than FileHandle.write, which traps when a reader such as `head` closes the pipe early.
func printJSON(_ data: Data) {
    print(String(decoding: data, as: UTF8.self))
}

func printJSON(_ value: some Encodable) throws { printJSON(try API.encoder.encode(value)) }

/// stderr for `print(_:to:)`, which does not trap on a closed pipe.
struct StandardError: TextOutputStream {
    mutating func write(_ text: String) { _ = text.withCString { Glibc.write(2, $0, strlen($0)) } }
}
